# syntax=docker/dockerfile:1
# The production image: compiled JavaScript (npm run build: dist/ and the prebuilt workflow
# bundle), production dependencies only, running as the unprivileged `node` user (DESIGN §10).
# `docker run <image> <runbook command>`; the default command is the worker.

# 1. Build: every dependency (TypeScript, webpack through @temporalio/worker), then compile.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build

# 2. Production dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: no sources, no compiler. traceroute for the §3.4 routing checks.
FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends traceroute ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# A 16 MB young generation (semi-spaces), pinned: the worker's probe sweep makes many short-lived
# objects, and in 2 MB semi-spaces (this image until 2026-11-30) they outlived their scavenges and
# went to full collections: ~20 % more worker CPU per sweep, for 20-45 MB less peak RSS at 1,000
# nodes (bench/README.md, "Memory"). An explicit old-generation limit: without one V8 sizes
# the heap from the machine's memory and collects the old generation late; with 1,024 MB the
# worker's peak at 1,000 nodes fell from 263-319 MB to 198-208 MB, for about 25 % more CPU in a
# cold sweep (bench/README.md, "Memory"). The SDK sizes its workflow cache from the heap limit:
# 486 workflows with this one.
ENV NODE_OPTIONS="--max-semi-space-size=16 --max-old-space-size=1024"
# Two malloc arenas instead of glibc's up to 8 per core: each thread that allocates (libuv's, the
# workflow thread, the Temporal core's) otherwise keeps an arena of its own, ~25 MB more peak RSS
# at 1,000 nodes for no CPU saved (bench/README.md, "Memory").
ENV MALLOC_ARENA_MAX=2
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
# update-hosts rewrites the hosts file (atomically, with a backup next to it): the config dir is
# the node user's. /prometheus-config is where `runbook config prometheus --out` writes in compose
# (a named volume takes this directory's owner when first created).
RUN chown -R node:node /app/config && mkdir -p /prometheus-config && chown node:node /prometheus-config
USER node
EXPOSE 9464
ENTRYPOINT ["node", "bin/runbook.js"]
CMD ["worker", "--metrics", "0.0.0.0:9464"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/metrics').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
