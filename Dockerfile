# The API image used by docker-compose.yml (PostgreSQL and Redis run in their own containers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=8000
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN DATABASE_URL=postgres://build@localhost/none REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_demo && gunicorn -c gunicorn.conf.py movoai.wsgi"]
