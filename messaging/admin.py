# The staff home's to-do lines about conversations register with the admin sites.
from messaging import todo  # noqa: F401
