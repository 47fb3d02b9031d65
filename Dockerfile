# Spreadwatch: the web service, served by gunicorn with static files from WhiteNoise.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY adoption ./adoption
RUN pip install .

COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input \
    && useradd --system --home /app spreadwatch
USER spreadwatch

EXPOSE 8000
# Server settings (workers, threads, timeouts, limits, logs): adoption/config/gunicorn.py.
CMD ["gunicorn", "-c", "adoption/config/gunicorn.py", "adoption.config.wsgi"]
