FROM debian:bookworm
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
RUN apt-get update
RUN apt-get install -y gcc python3-dev
WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
RUN curl -o /tmp/model.bin https://models.example.com/v1/model.bin \
    && python3 -m app prepare
RUN rm -rf /tmp/model.bin /var/lib/apt/lists/*
RUN chown -R 1000:1000 /app
CMD ["python3", "-m", "app"]
