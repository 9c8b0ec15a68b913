FROM debian
MAINTAINER someone <a@b.c>
ADD https://example.com/x.tgz /opt/
ADD --checksum=sha256:abc x.tar /
