FROM scratch
RUN <<EOF
echo
