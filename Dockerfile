# The Bridgework app under gunicorn. Used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY network ./network
COPY graph ./graph
COPY api ./api
COPY web ./web
COPY bridgework ./bridgework
RUN pip install --no-cache-dir ".[serve]" && useradd --create-home bridgework
USER bridgework
EXPOSE 8000
# gthread: the store wait dominates a request, so threads decide throughput (see DESIGN.md).
CMD ["sh", "-c", "bridgework init-db && exec gunicorn --no-control-socket --worker-class gthread --workers ${GUNICORN_WORKERS:-2} --threads ${GUNICORN_THREADS:-8} --bind 0.0.0.0:8000 --access-logfile - 'bridgework.wsgi:app'"]
