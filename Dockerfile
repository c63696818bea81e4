# Lotwise: one image for the web server, the Celery worker and Celery beat (docker-compose.yml).
# Dependencies are installed at build time into a virtual environment, which the runtime stage copies.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY config ./config
COPY portfolios ./portfolios
COPY taxes ./taxes
COPY rebalancing ./rebalancing
RUN /venv/bin/pip install --upgrade pip && /venv/bin/pip install .

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production LOTWISE_VAR_DIR=/var/lib/lotwise
RUN useradd --system --uid 10001 --home-dir /app lotwise \
    && mkdir -p /app /var/lib/lotwise && chown lotwise /var/lib/lotwise
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=lotwise manage.py ./
COPY --chown=lotwise config ./config
COPY --chown=lotwise portfolios ./portfolios
COPY --chown=lotwise taxes ./taxes
COPY --chown=lotwise rebalancing ./rebalancing
COPY --chown=lotwise templates ./templates
COPY --chown=lotwise static ./static
# Static files are collected into the image (hashed names, compressed) for whitenoise to serve. The
# project's bytecode is compiled here once: with PYTHONDONTWRITEBYTECODE, every command, worker and web
# process would otherwise compile each module it imports again, at every start.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && python -m compileall -q config portfolios taxes rebalancing \
    && chown -R lotwise /app
USER lotwise
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
