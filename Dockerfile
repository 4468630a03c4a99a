# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # Templates, static files and manage.py live beside the code in /app, so the code is
    # imported from /app too (not from site-packages) and BASE_DIR points here.
    PYTHONPATH=/app

WORKDIR /app

RUN useradd --create-home --uid 1000 app \
    && mkdir -p /app/media /app/staticfiles \
    && chown app:app /app /app/media /app/staticfiles

COPY --chown=app:app . .
RUN pip install .

USER app

EXPOSE 8000

CMD ["gunicorn", "microintern.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
