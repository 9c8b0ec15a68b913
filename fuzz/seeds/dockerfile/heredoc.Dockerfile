# syntax=docker/dockerfile:1.6
FROM python:3.11-slim AS base
RUN <<EOF
apt-get update
apt-get install -y gcc
EOF
COPY <<-EOT /app/config.ini
	[main]
	debug = false
	EOT
RUN <<"A" bash && <<B cat
echo a
A
echo b
B
