# rmqlab: what every RocketMQ launcher of this image shares (sourced, not run).
# Written for rmqlab, not copied from RocketMQ. RocketMQ @VERSION@.
#
# JVM options, in order: small defaults for the role, the profile's options, then $JAVA_OPT_EXT,
# which comes last so that -Xms/-Xmx/-XX:MaxDirectMemorySize given there win (later flags
# override earlier ones). The launcher then execs java: the JVM replaces the shell, so as a
# container's command it is PID 1 and gets docker's SIGTERM (graceful shutdown hooks) and
# SIGKILL directly.
#
# RMQLAB_JVM_PROFILE picks the profile:
#   lab (default)  boots in about a second and stays small: TLS off, the role's AppCDS archive
#                  (conf/<role>.jsa, dumped when the image was built), C1 only, small thread
#                  stacks and code cache, two malloc arenas. Nothing here changes what RocketMQ
#                  does on the wire or when: HA, election and registration timings are its own.
#   stock          the flags rmqlab used before, with RocketMQ's own TLS defaults
#                  (tls.server.mode=permissive + tls.test.mode.enable=true: every remoting server
#                  makes a self-signed certificate at boot). For before/after comparisons.
# RMQLAB_CDS_DUMP=1 (image build only) writes conf/<role>.jsa when the JVM exits instead.

if [ -z "${ROCKETMQ_HOME:-}" ]; then
  ROCKETMQ_HOME=$(cd "$(dirname "$0")/.." && pwd)
fi
export ROCKETMQ_HOME

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

rmq_exec() {
  rmq_role=$1
  rmq_main=$2
  shift 2
  case $rmq_role in
    broker)     rmq_heap="-Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m" ;;
    namesrv)    rmq_heap="-Xms128m -Xmx256m" ;;
    controller) rmq_heap="-Xms128m -Xmx256m" ;;
    proxy)      rmq_heap="-Xms512m -Xmx512m -XX:MaxDirectMemorySize=512m" ;;
    *)          rmq_heap="-Xms32m -Xmx256m" ;;
  esac
  rmq_opts="-server $rmq_heap -XX:+IgnoreUnrecognizedVMOptions -XX:-OmitStackTraceInFastThrow -Dfile.encoding=UTF-8"
  if [ "$rmq_role" = tools ]; then
    # Short-lived: the serial collector and the C1 compiler start fastest.
    rmq_opts="$rmq_opts -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
    rmq_ext=""
  else
    rmq_ext=${JAVA_OPT_EXT:-}
    # G1 as RocketMQ's scripts use, unless JAVA_OPT_EXT picks a collector (two = the JVM refuses).
    rmq_gc="-XX:+UseG1GC -XX:MaxGCPauseMillis=100"
    for rmq_word in $rmq_ext; do
      case $rmq_word in
        -XX:+Use*GC) rmq_gc="" ;;
      esac
    done
    rmq_opts="$rmq_opts $rmq_gc"
  fi
  # Module flags exist on Java 9 and later only; the image records its Java version at build time.
  case $(cat "$ROCKETMQ_HOME/conf/java.version" 2>/dev/null || echo 17) in
    1.*) ;;
    *)
      rmq_opts="$rmq_opts @JDK9_OPTS@"
      case $rmq_role in
        namesrv|controller) rmq_opts="$rmq_opts @JDK9_CONTROLLER_OPTS@" ;;
      esac
      ;;
  esac
  # Without a name server address RocketMQ's clients ask an address server on the internet
  # (jmenv.tbsite.net:8080); point that lookup at a closed local port instead.
  rmq_opts="$rmq_opts -Drocketmq.namesrv.domain=127.0.0.1:9 @ROLE_OPTS@"
  case ${RMQLAB_JVM_PROFILE:-lab} in
    lab)
      # glibc gives each thread that mallocs an arena of its own (up to 8 per core). Like the
      # small stacks and code cache below, a cap for a node under load: an idle node measured
      # the same RSS without them (bench_boot.py).
      MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
      export MALLOC_ARENA_MAX
      rmq_opts="$rmq_opts $(rmq_lab_opts "$rmq_role")"
      ;;
    stock) ;;
    *)
      echo "RMQLAB_JVM_PROFILE is '$RMQLAB_JVM_PROFILE'; use lab (the default) or stock." >&2
      exit 2
      ;;
  esac
  # The proxy's own jars sit in lib/proxy/, which lib/* does not reach: every other role's class path
  # (and the AppCDS archive dumped with it) is the same with or without them.
  rmq_cp="$ROCKETMQ_HOME/lib/*"
  [ "$rmq_role" = proxy ] && rmq_cp="$ROCKETMQ_HOME/lib/proxy/*:$rmq_cp"
  # Word splitting of the option strings is intended, as in RocketMQ's own scripts.
  # shellcheck disable=SC2086
  exec "$JAVA" $rmq_opts $rmq_ext -cp "$rmq_cp" "$rmq_main" "$@"
}

# The lab profile's options for one role (printed, one line).
rmq_lab_opts() {
  # With tls.server.mode=disabled no remoting server (name server, broker, fast port, DLedger,
  # controller) builds an SSL context; RocketMQ's clients use TLS only when tls.enable=true or
  # the server mode is enforcing, so nothing in a lab cluster ever spoke TLS.
  rmq_lab="-Dtls.server.mode=disabled -Dtls.enable=false"
  # Thread stacks: a broker runs ~200 threads, none of them recursing deeply.
  rmq_lab="$rmq_lab -Xss256k"
  # C1 only where nothing is throughput-bound. A broker keeps C2: after warm-up it needs 2.4x the
  # CPU per message under C1 alone (benchmarks/bench_remoting.py --compare-jit). So does a proxy:
  # every message passes through it, and in local mode it is the broker too.
  if [ "$1" = broker ] || [ "$1" = proxy ]; then
    rmq_lab="$rmq_lab -XX:ReservedCodeCacheSize=64m"
  else
    rmq_lab="$rmq_lab -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1"
  fi
  rmq_jsa="$ROCKETMQ_HOME/conf/$1.jsa"
  if [ "${RMQLAB_CDS_DUMP:-}" = 1 ]; then
    rmq_lab="$rmq_lab -XX:ArchiveClassesAtExit=$rmq_jsa"
  elif [ -f "$rmq_jsa" ]; then
    # auto: a JVM that cannot map the archive boots without it, only slower.
    rmq_lab="$rmq_lab -XX:SharedArchiveFile=$rmq_jsa -Xshare:auto"
  fi
  echo "$rmq_lab"
}
