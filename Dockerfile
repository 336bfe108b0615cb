# stickler in a container, for the Kubernetes Indexed Job that `stickler k8s` prints.
# Build from a clone:   npm ci && npm pack && docker build -t stickler:0.1.0 .
# A pod only needs Node 20 and the installed package: it runs `stickler run --shard` against a URL
# (no nginx or HAProxy inside; those are for managed stacks on one machine).
FROM node:20-slim
COPY stickler-*.tgz /tmp/
RUN npm install -g /tmp/stickler-*.tgz && rm /tmp/stickler-*.tgz
USER node
WORKDIR /home/node
ENTRYPOINT []
CMD ["stickler", "--help"]
