# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Templates, static files and manage.py live beside the code in /app, so the code is
    # imported from /app too (not from site-packages) and BASE_DIR points here.
    PYTHONPATH=/app \
    # Dependencies live in their own environment, installed by uv from uv.lock.
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/media /app/staticfiles \
    && chown app:app /app /app/media /app/staticfiles

# Exactly the versions (and hashes) in uv.lock, installed by the uv version the lock pins.
# This layer is rebuilt only when the lock changes; the code itself runs from /app.
COPY pyproject.toml uv.lock ./
RUN pip install "uv==$(sed -n '/^name = "uv"$/{n;s/^version = "\(.*\)"$/\1/p;}' uv.lock)" \
    && uv sync --locked --no-install-project --no-cache \
    && pip uninstall -y uv

COPY --chown=app:app . .

USER app

EXPOSE 8000

CMD ["gunicorn", "microintern.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
