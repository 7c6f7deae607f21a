# Image for docker-compose.yml: the portal, its Celery worker and beat share it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/data DEBUG=0
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=0 SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
# One log line per request comes from the portal itself (cashback.logs), with its request id.
CMD ["gunicorn", "cashback.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
