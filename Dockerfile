# syntax=docker/dockerfile:1
# Production image: compiled JavaScript on Node 22, run as a non-root user against DATABASE_URL.
# Migrations are applied at start (serialised across replicas by an advisory lock), then it serves.
# Without DATABASE_URL it exits 1 with one line saying so (test/process/start-errors.test.ts runs that
# start-up with the embedded programs missing, as here).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dev tools and no embedded PostgreSQL programs (optional dependencies): the image needs DATABASE_URL.
# A database inside the container would lose its data with the container.
RUN npm ci --omit=dev --omit=optional --ignore-scripts && npm cache clean --force

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
# The operator console's static files, served at /console.
COPY console ./console
COPY package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is PID 1 (no npm, no shell in between): `docker stop` (SIGTERM) reaches Ordo, which drains.
CMD ["node", "dist/main.js"]
