#!/bin/sh
# rmqlab: dump the 5.x proxy's AppCDS archive (conf/proxy.jsa) while the image is built.
# Written for rmqlab, not copied from RocketMQ.
#
# A short training run on loopback, as rmq-cds-train.sh does for the other roles: a name server,
# then a broker with --enable-proxy (the local mode: one JVM loads the broker's classes and the
# proxy's, its gRPC server included) that registers and stores a few messages. Its launcher runs
# with RMQLAB_CDS_DUMP=1, so the archive is dumped with the proxy's class path when the JVM exits.
# A cluster-mode proxy (mqproxy) maps the same archive; the classes only it loads are read as usual.
# Only loopback is used; nothing is fetched. Any failure fails the image build.
set -eu

bin="$ROCKETMQ_HOME/bin"
conf="$ROCKETMQ_HOME/conf"
case $(cat "$conf/java.version") in
  1.*|9|10|11|12) echo "rmq-cds-train-proxy: no dynamic AppCDS on this Java; the proxy boots without it."; exit 0 ;;
esac

work=$(mktemp -d)
ns=127.0.0.1:9876
pids=""

wait_for() {  # wait_for <name> <phrase> <seconds>
  waited=0
  until grep -q "$2" "$work/$1.out" 2>/dev/null; do
    if [ "$waited" -ge "$3" ]; then
      echo "rmq-cds-train-proxy: $1 did not print '$2' within $3 s" >&2
      tail -n 40 "$work/$1.out" >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

printf 'listenPort=9876\n' >"$work/namesrv.properties"
cat >"$work/broker.properties" <<CONF
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
timerWheelEnable=false
CONF
cat >"$work/proxy.json" <<CONF
{
  "rocketMQClusterName": "RmqlabTrain",
  "namesrvAddr": "$ns",
  "grpcServerPort": 8081,
  "remotingListenPort": 8080
}
CONF

sh "$bin/mqnamesrv" -c "$work/namesrv.properties" >"$work/namesrv.out" 2>&1 &
pids="$!"
wait_for namesrv "boot success" 180
RMQLAB_CDS_DUMP=1 sh "$bin/mqbroker" -c "$work/broker.properties" --enable-proxy -pc "$work/proxy.json" \
  >"$work/proxy.out" 2>&1 &
pids="$pids $!"
wait_for proxy "startup successfully" 240

admin() {
  sh "$bin/mqadmin" "$@" -n "$ns" >>"$work/tools.out" 2>&1
}
waited=0
until admin clusterList && grep -q "broker-train" "$work/tools.out"; do
  [ "$waited" -ge 60 ] && { echo "rmq-cds-train-proxy: the broker never registered" >&2; exit 1; }
  sleep 2
  waited=$((waited + 2))
done
admin updateTopic -c RmqlabTrain -t RmqlabTrain
for n in 1 2 3; do admin sendMessage -t RmqlabTrain -p "training message $n"; done

# shellcheck disable=SC2086
kill -TERM $pids
for pid in $pids; do wait "$pid" || true; done
if [ ! -s "$conf/proxy.jsa" ]; then
  echo "rmq-cds-train-proxy: no archive was written for the proxy" >&2
  tail -n 40 "$work/proxy.out" >&2 || true
  exit 1
fi
ls -l "$conf/proxy.jsa"
rm -rf "$work" "$HOME/logs/rocketmqlogs"/* "${TMPDIR:-/tmp}"/hsperfdata_* 2>/dev/null || true
