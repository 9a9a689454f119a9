# syntax=docker/dockerfile:1
# I Drive: the server and its web app on Node 20, with the tools media previews run.
# The base images are arguments so that locally made ones can stand in for Docker Hub's
# (scripts/docker-verify.sh builds this file offline that way).
ARG BUILD_IMAGE=node:20-bookworm
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The manifests alone first, so that a change to the sources reuses the installed dependencies.
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/server/package.json packages/server/
COPY packages/web/package.json packages/web/
COPY packages/discord-emulator/package.json packages/discord-emulator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages packages
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
# ffmpeg makes video posters; exiftool reads RAW photos and heif-convert decodes HEIC ones.
RUN apt-get update \
  && apt-get install -y --no-install-recommends \
    ffmpeg libimage-exiftool-perl libheif-examples \
  && rm -rf /var/lib/apt/lists/*
# A fixed id, so that a bind-mounted data directory can be given to it (chown 10001:10001 dir).
RUN groupadd --system --gid 10001 idrive \
  && useradd --system --uid 10001 --gid idrive --home-dir /data --shell /usr/sbin/nologin idrive \
  && mkdir /data && chown idrive:idrive /data && chmod 700 /data
WORKDIR /app
# The code stays root's: the drive can write its data directory and nothing else.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages/shared/package.json packages/shared/
COPY --from=build /src/packages/shared/dist packages/shared/dist
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/server/dist packages/server/dist
COPY --from=build /src/packages/web/dist packages/web/dist
ENV NODE_ENV=production \
  IDRIVE_DATA_DIR=/data \
  HOST=0.0.0.0 \
  PORT=8080
VOLUME /data
EXPOSE 8080
# Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The V8 flags of npm start (package.json), without npm in between to pass signals on.
CMD ["node", "--max-semi-space-size=1", "packages/server/dist/main.js"]
