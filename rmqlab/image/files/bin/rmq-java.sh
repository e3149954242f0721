# rmqlab: what every RocketMQ launcher of this image shares (sourced, not run).
# Written for rmqlab, not copied from RocketMQ. RocketMQ @VERSION@.
#
# JVM options, in order: small defaults for the role, then $JAVA_OPT_EXT, which comes last so
# that -Xms/-Xmx/-XX:MaxDirectMemorySize given there win (later flags override earlier ones).
# The launcher then execs java: the JVM replaces the shell, so as a container's command it is
# PID 1 and gets docker's SIGTERM (graceful shutdown hooks) and SIGKILL directly.

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
  if [ -f "$ROCKETMQ_HOME/conf/$rmq_role.jsa" ]; then
    rmq_opts="$rmq_opts -XX:SharedArchiveFile=$ROCKETMQ_HOME/conf/$rmq_role.jsa -Xshare:auto"
  fi
  # Word splitting of the option strings is intended, as in RocketMQ's own scripts.
  # shellcheck disable=SC2086
  exec "$JAVA" $rmq_opts $rmq_ext -cp "$ROCKETMQ_HOME/lib/*" "$rmq_main" "$@"
}
