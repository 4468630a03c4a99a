from django.views.generic import TemplateView


class HomeView(TemplateView):
    """The home page: what MicroIntern is, and where each kind of person starts."""

    template_name = "home.html"
