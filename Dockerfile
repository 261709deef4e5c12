# Axion in a container: Debian bookworm, Debian packages only.
#
#   docker build -t axion .
#   docker run --rm -v /etc/axion:/etc/axion:ro -v axion-state:/var/lib/axion \
#     --env-file /etc/axion/axion.env axion
#   docker run --rm axion axion-run --help
#   docker run --rm -e PGHOST=db1 -e PGUSER=axion axion axion-db migrate
#
# Stage 1 builds with meson and installs into /staging (prefix /usr);
# stage 2 is the runtime: the GStreamer plugins and libraries Axion loads
# (with facedetect and its cascades: pipelines/camera-full.pipeline),
# psql (axion-db) and redis-cli (axion-health), and python3-gi for the
# GstAxion typelib (examples/python). docs/install.md explains each choice.
# The build packages are those of tools/axion-deps (its "build" and
# "introspection" groups); tests/install/test_dockerfile.sh keeps them in
# step.

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gcc pkg-config meson ninja-build \
      libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
      libpq-dev libhiredis-dev libcurl4-openssl-dev libjson-glib-dev \
      libxxhash-dev libgstrtspserver-1.0-dev libmosquitto-dev \
      gobject-introspection libgirepository1.0-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN meson setup /build --prefix=/usr --buildtype=release \
      -Dtests=disabled -Dbenchmarks=disabled -Dintrospection=enabled \
      -Dpq=enabled -Dredis=enabled -Dclaude=enabled -Dmqtt=enabled \
 && ninja -C /build \
 && DESTDIR=/staging meson install -C /build --no-rebuild

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
      gstreamer1.0-plugins-bad gstreamer1.0-libav \
      gstreamer1.0-opencv opencv-data \
      libpq5 libhiredis0.14 libcurl4 libjson-glib-1.0-0 libxxhash0 \
      libmosquitto1 libgstrtspserver-1.0-0 \
      postgresql-client-15 redis-tools \
      python3 python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 \
      ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /staging/ /
# the user the runner runs as; its state (pgsink spools) is a volume so
# that rows spooled while PostgreSQL is away survive the container
RUN useradd --system --home-dir /var/lib/axion --create-home axion \
 && mkdir -p /var/lib/axion/spool /etc/axion \
 && chown -R axion:axion /var/lib/axion \
 && gst-inspect-1.0 axionmotion >/dev/null
USER axion
ENV XDG_STATE_HOME=/var/lib
VOLUME /var/lib/axion
# tini forwards SIGTERM (docker stop) to axion-run, which sends EOS
# through every pipeline so the sinks flush; give `docker stop -t 75`
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["axion-run", "--config", "/etc/axion/axion.ini", "--spool-dir", "/var/lib/axion/spool"]
