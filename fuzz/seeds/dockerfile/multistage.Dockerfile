ARG PY=3.11
ARG BASE=python:${PY}-slim
FROM --platform=$BUILDPLATFORM ${BASE} AS Builder
WORKDIR /src
COPY --link requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=tok \
    pip install --prefix=/install -r requirements.txt
FROM builder AS tests
RUN pytest
FROM python:${PY}-slim
COPY --from=builder /install /usr/local
COPY --chown=1000:1000 ["app/", "/app/"]
ENV A=1 B="two words"
LABEL org.opencontainers.image.title="x" \
      version=1
EXPOSE 8080/tcp 9090
USER 1000:1000
VOLUME ["/data"]
HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/ || exit 1
ONBUILD COPY . /app
STOPSIGNAL SIGTERM
SHELL ["/bin/bash", "-c"]
ENTRYPOINT ["python", "-m", "app"]
CMD ["--port", "8080"]
