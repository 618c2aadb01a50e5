# The gateway, installed the same way as the README's `make run` does, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8080 \
    GATEWAY_DATA_DIR=/var/lib/gateway \
    GATEWAY_LOG_FORMAT=json

RUN useradd --create-home --uid 10001 gateway \
    && mkdir -p /var/lib/gateway && chown gateway:gateway /var/lib/gateway

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
COPY policies ./policies
COPY contract ./contract
RUN pip install --quiet .

USER gateway
EXPOSE 8080
# The data directory (the embedded database, the sandbox's vault key) outlives the container.
VOLUME ["/var/lib/gateway"]
# `gateway healthcheck` asks the port the main process serves on (--port or GATEWAY_PORT).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["gateway", "healthcheck"]

# Production needs GATEWAY_VAULT_KEYS (and usually GATEWAY_ADMIN_KEY); add --sandbox to try it.
ENTRYPOINT ["gateway", "serve"]
