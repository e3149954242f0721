#!/bin/sh
# rmqlab: dump one AppCDS archive per role (conf/<role>.jsa) while the image is built.
# Written for rmqlab, not copied from RocketMQ.
#
# A short training run on loopback: a name server (on 5.x with its embedded controller, as the
# controller layout runs it), a broker that registers and stores a few messages, the standalone
# controller where the version has one, and mqadmin. Each runs through its real launcher with
# RMQLAB_CDS_DUMP=1, so the archive is dumped with exactly the class path and options it is
# later used with, when the JVM exits (SIGTERM runs RocketMQ's shutdown hooks, then the dump).
# Later boots of that role map the archived classes instead of parsing and verifying them.
# Only loopback is used; nothing is fetched. Any failure fails the image build.
set -eu

bin="$ROCKETMQ_HOME/bin"
conf="$ROCKETMQ_HOME/conf"
java_version=$(cat "$conf/java.version")
case $java_version in
  1.*|9|10|11|12)
    echo "rmq-cds-train: Java $java_version has no dynamic AppCDS archives; the image boots without them."
    exit 0
    ;;
esac

work=$(mktemp -d)
ns=127.0.0.1:9876
pids=""

tail_of() {
  echo "---- last lines of $1" >&2
  tail -n 40 "$work/$1.out" >&2 || true
}

wait_for() {  # wait_for <name> <phrase> <seconds>
  waited=0
  until grep -q "$2" "$work/$1.out" 2>/dev/null; do
    if [ "$waited" -ge "$3" ]; then
      echo "rmq-cds-train: $1 did not print '$2' within $3 s" >&2
      tail_of "$1"
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

start() {  # start <name> <launcher> <properties file>
  RMQLAB_CDS_DUMP=1 sh "$bin/$2" -c "$3" >"$work/$1.out" 2>&1 &
  pids="$pids $!"
}

is_5x=false
[ -f "$bin/mqcontroller" ] && is_5x=true

printf 'listenPort=9876\n' >"$work/namesrv.properties"
if $is_5x; then
  cat >>"$work/namesrv.properties" <<EOF
enableControllerInNamesrv=true
controllerDLegerGroup=train-controller
controllerDLegerPeers=n0-127.0.0.1:9878
controllerDLegerSelfId=n0
controllerStorePath=$work/namesrv-controller
EOF
  cat >"$work/controller.properties" <<EOF
controllerDLegerGroup=train-standalone
controllerDLegerPeers=n0-127.0.0.1:19878
controllerDLegerSelfId=n0
controllerStorePath=$work/controller
EOF
fi
cat >"$work/broker.properties" <<EOF
brokerClusterName=RmqlabTrain
brokerName=broker-train
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
namesrvAddr=$ns
brokerIP1=127.0.0.1
brokerIP2=127.0.0.1
listenPort=10911
storePathRootDir=$work/store
storePathCommitLog=$work/store/commitlog
mappedFileSizeCommitLog=67108864
autoCreateTopicEnable=true
EOF
$is_5x && printf 'timerWheelEnable=false\n' >>"$work/broker.properties"

start namesrv mqnamesrv "$work/namesrv.properties"
$is_5x && start controller mqcontroller "$work/controller.properties"
wait_for namesrv "boot success" 180
start broker mqbroker "$work/broker.properties"
wait_for broker "boot success" 180
$is_5x && wait_for controller "boot success" 180

admin() {
  sh "$bin/mqadmin" "$@" -n "$ns" >>"$work/tools.out" 2>&1
}
waited=0
until admin clusterList && grep -q "broker-train" "$work/tools.out"; do
  [ "$waited" -ge 60 ] && { echo "rmq-cds-train: the broker never registered" >&2; tail_of tools; exit 1; }
  sleep 2
  waited=$((waited + 2))
done
admin updateTopic -c RmqlabTrain -t RmqlabTrain
for n in 1 2 3; do admin sendMessage -t RmqlabTrain -p "training message $n"; done
admin topicRoute -t RmqlabTrain
# The tools archive holds what its last run loaded: make that the command rmqlab runs most.
RMQLAB_CDS_DUMP=1 admin clusterList

# shellcheck disable=SC2086
kill -TERM $pids
for pid in $pids; do wait "$pid" || true; done

roles="namesrv broker tools"
$is_5x && roles="$roles controller"
for role in $roles; do
  if [ ! -s "$conf/$role.jsa" ]; then
    echo "rmq-cds-train: no archive was written for $role" >&2
    tail_of "$role"
    exit 1
  fi
done
ls -l "$conf"/*.jsa
rm -rf "$work" "$HOME/logs/rocketmqlogs"/* "${TMPDIR:-/tmp}"/hsperfdata_* 2>/dev/null || true
