# syntax=docker/dockerfile:1
# Multi-stage build: one image per app, chosen with --target (api, worker, ops, provider-sandbox).
#   docker build --target api -t payments-api:0.1.0 .
# Every target runs the same compiled output (dist/) with production dependencies only. The stages and the
# CMD/ENTRYPOINT paths are checked against nest-cli.json and the build script by test/deploy (no Docker here).

# --- dependencies (dev included) for the TypeScript build ---
# --ignore-scripts: no install script is needed in the image (the embedded Postgres binaries serve `npm start` only,
# @swc/core serves the tests); it also keeps third-party postinstall telemetry out of the build.
FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts

# --- compile apps/ and libs/ to dist/ (npm run build: tsc + tsc-alias) ---
FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# --- production dependencies only ---
FROM node:20.19.5-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts

# --- common runtime: non-root, no dev dependencies, no sources ---
FROM node:20.19.5-bookworm-slim AS runtime
# DATA_DIR: the ops CLI keeps a small state file there even with DATABASE_URL set; /app is not writable by `node`.
ENV NODE_ENV=production DATA_DIR=/tmp/payments
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node

# REST API (and webhook receiver): GET /health/live, /health/ready, /metrics on $PORT.
FROM runtime AS api
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]

# Projections, process managers and the webhook translator (Kafka consumer group). HTTP on WORKER_HTTP_PORT:
# /health/live, /health/ready and /metrics (projection and consumer lag) only.
FROM runtime AS worker
ENV WORKER_HTTP_PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_HTTP_PORT||3001)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/worker/src/main.js"]

# Operator CLI: docker run --rm <the service's env> payments-ops:0.1.0 ledger verify   (or: rebuild <projection>)
# Needs DATABASE_URL (and the keys): without it the CLI would try to start an embedded Postgres, which the image lacks.
FROM runtime AS ops
ENTRYPOINT ["node", "dist/apps/ops/src/main.js"]

# Plaid-compatible provider simulator (development and staging only).
FROM runtime AS provider-sandbox
ENV PROVIDER_SANDBOX_PORT=3100
EXPOSE 3100
CMD ["node", "dist/apps/provider-sandbox/src/main.js"]
