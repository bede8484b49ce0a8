# syntax=docker/dockerfile:1
# kleinhirn in a container: a jlink'ed Java runtime (java.base, jdk.httpserver, jdk.unsupported)
# with its own AOT cache, the jar, the launchers and the Ruby loader gem, on a glibc >= 2.34 base
# (posix_spawn_file_actions_addclosefrom_np; musl lacks it). CI builds and runs it with podman
# (packaging/container-test).
#   docker build -t kleinhirn .
#   docker run --rm -v $PWD/examples:/app -w /app kleinhirn -f program.toml

# ---- build: the jar with Maven on Temurin 25
FROM eclipse-temurin:25-jdk AS build
RUN apt-get update && apt-get install -y --no-install-recommends maven \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml build ./
COPY bin bin
COPY packaging packaging
COPY src src
COPY loaders loaders
# The AOT cache made here is for this JDK; the runtime stage builds its own for the jlink image.
RUN ./build package -DskipTests \
    && mkdir -p /opt/kleinhirn/target \
    && packaging/jli-trace "$JAVA_HOME" /tmp/jli.txt \
    && "$JAVA_HOME/bin/jlink" --generate-jli-classes=@/tmp/jli.txt --add-modules "$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps \
           --print-module-deps target/kleinhirn.jar),jdk.httpserver,jdk.unsupported" \
         --strip-debug --no-header-files --no-man-pages --compress zip-6 \
         --output /opt/kleinhirn/target/runtime-image \
    && rm -f /opt/kleinhirn/target/runtime-image/bin/jwebserver /opt/kleinhirn/target/runtime-image/bin/keytool \
    && cp target/kleinhirn.jar /opt/kleinhirn/target/ \
    && cp -r bin packaging loaders /opt/kleinhirn/

# ---- runtime: Debian 12 (glibc 2.36), Ruby for type = "ruby" workers
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ruby \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/kleinhirn /opt/kleinhirn
# The AOT cache must be made by the image's own java, for the jar at its final path, with the
# launcher's flags: packaging/aot-cache does exactly that (a training run of a few seconds).
RUN /opt/kleinhirn/packaging/aot-cache /opt/kleinhirn/target/runtime-image \
        /opt/kleinhirn/target/runtime-image/kleinhirn.aot \
    && KLEINHIRN_JAVA_OPTS=-XX:AOTMode=on /opt/kleinhirn/bin/kleinhirn --version
ENV PATH=/opt/kleinhirn/bin:$PATH
WORKDIR /app
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/kleinhirn/bin/kleinhirn"]
CMD ["-f", "/app/kleinhirn.toml"]
