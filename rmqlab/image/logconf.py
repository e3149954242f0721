"""Logback configurations for the image, written for rmqlab (not copied from RocketMQ).

Files land where RocketMQ's own configs put them (${user.home}/logs/rocketmqlogs/broker.log,
namesrv.log, store.log, ...), so `rmqlab logs --file broker.log` means the same thing on the
official image. On top of that the lines a learner watches reach the console, so `docker logs`
tells the story: role changes, elections, route changes, HA connections, shutdown, and every
WARN and ERROR except known start/stop noise. The selection is done by rmqlab.logback.KeyLines
(see logfilter.py): phrases are matched against the formatted message. The "boot success"
lines reach stdout without it, through RocketMQ's own System.out.

Timestamps are in the container's time zone (RocketMQ's own configs print GMT+8).
4.9.x reads conf/logback_<role>.xml from ROCKETMQ_HOME; 5.x reads the file named by
-Drmq.logback.configurationFile, and its shaded logback accepts the plain class names used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from rmqlab.image.logfilter import CLASS_NAME

PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5p [%t] %c{0} - %m%n"
LOG_DIR = "${user.home}/logs/rocketmqlogs"


@dataclass(frozen=True)
class Route:
    logger: str  # "" is the root logger
    file: str  # file name under LOG_DIR
    console: bool = True  # also offered to the (filtered) console appender


# Loggers are RocketMQ's LoggerName constants (the same in 4.9 and 5.x) and the Raft libraries.
_BROKER = (
    Route("", "broker_default.log"),
    Route("RocketmqBroker", "broker.log"),
    Route("RocketmqConsole", "broker.log"),
    Route("RocketmqCommon", "broker.log"),
    Route("RocketmqStore", "store.log"),
    Route("RocketmqStoreError", "store.log"),
    Route("RocketmqRocksDB", "store.log"),
    Route("RocketmqTieredStore", "store.log"),
    Route("RocketmqRemoting", "remoting.log"),
    Route("RocketmqTransaction", "transaction.log", console=False),
    Route("RocketmqRebalanceLock", "lock.log", console=False),
    Route("RocketmqFilter", "filter.log", console=False),
    Route("RocketmqPop", "pop.log", console=False),
    Route("RocketmqPopLite", "pop.log", console=False),
    Route("RocketmqStats", "stats.log", console=False),
    Route("RocketmqCommercial", "stats.log", console=False),
    Route("RocketmqWaterMark", "stats.log", console=False),
    Route("RocketmqProtection", "stats.log", console=False),
    Route("RocketmqColdCtr", "stats.log", console=False),
    Route("RocketmqTraffic", "broker_traffic.log", console=False),
    Route("RocketmqAuthAudit", "auth_audit.log", console=False),
)
_NAMESRV = (
    Route("", "namesrv_default.log"),
    Route("RocketmqNamesrv", "namesrv.log"),
    Route("RocketmqNamesrvConsole", "namesrv.log"),
    Route("RocketmqCommon", "namesrv.log"),
    Route("RocketmqRemoting", "remoting.log"),
    Route("RocketmqTraffic", "namesrv_traffic.log", console=False),
    Route("RocketmqController", "controller.log"),
    Route("RocketmqControllerConsole", "controller.log"),
    Route("io.openmessaging.storage.dledger", "dledger.log"),
    Route("com.alipay.sofa.jraft", "jraft.log"),
)
_CONTROLLER = (
    Route("", "controller_default.log"),
    Route("RocketmqController", "controller.log"),
    Route("RocketmqControllerConsole", "controller.log"),
    Route("RocketmqCommon", "controller.log"),
    Route("RocketmqRemoting", "remoting.log"),
    Route("RocketmqTraffic", "controller_traffic.log", console=False),
    Route("io.openmessaging.storage.dledger", "dledger.log"),
    Route("com.alipay.sofa.jraft", "jraft.log"),
)
# mqadmin prints its results on stdout, which callers parse: its log lines go to a file, and
# only WARN and up (less noise) to stderr.
_TOOLS = (
    Route("", "tools_default.log"),
    Route("RocketmqTools", "tools.log"),
    Route("RocketmqCommon", "tools.log", console=False),
    Route("RocketmqRemoting", "tools.log", console=False),
    Route("RocketmqStore", "tools.log", console=False),
    Route("RocketmqClient", "tools.log", console=False),
)
# The 5.x proxy: one config for both of its modes. In local mode (mqbroker --enable-proxy) the same JVM runs a
# broker, whose loggers then write the broker's files; a cluster-mode proxy only ever uses the proxy's own.
_PROXY = (
    Route("", "proxy_default.log"),
    Route("RocketmqProxy", "proxy.log"),
    Route("RocketmqProxyWatermark", "proxy_watermark.log", console=False),
    Route("RocketmqClient", "proxy_client.log", console=False),
    *(route for route in _BROKER if route.logger),
)
ROUTES = {"broker": _BROKER, "namesrv": _NAMESRV, "controller": _CONTROLLER, "tools": _TOOLS, "proxy": _PROXY}

# INFO lines worth a learner's eye, as phrases of the formatted message (4.9.7 and 5.5.0 wording).
_RAFT = ("ChangeRoleTo",)  # DLedger elections: [n0][ChangeRoleToLeader] from term ...
_CONTROLLER_KEYS = _RAFT + ("Elect a new master", "Elect new master", "start leadership", "stop leadership",
                            "Start Leader", "Stop Leader", "that role changed")
KEYS = {
    "broker": _RAFT + (
        "role change",  # Begin/Finish handling broker role change term=.. role=.. (DLedger)
        "change to master", "change to slave",  # BrokerController / ReplicasManager
        "Change broker [",  # 5.x controller mode: Change broker [id:2][address:..] to SYNC_MASTER
        "SyncStateSet changed", "update master address", "Update master address",
        "connect to master", "connection with master", "master not response", "HAService receive new connection",
        "Shutdown hook",
    ),
    "namesrv": (
        "new broker registered", "master address change", "The broker channel expired", "channel destroyed",
        "unregisterBroker, remove addr", "min broker id changed",
    ) + _CONTROLLER_KEYS,
    "controller": _CONTROLLER_KEYS,
    "tools": (),
}
# ProxyStartup logs the local broker's "boot success" through the proxy's logger, not System.out.
KEYS["proxy"] = KEYS["broker"] + ("boot success", "startup successfully", "try to shutdown server")
# WARN/ERROR lines that every healthy start or stop prints.
NOISE = (
    "No resource file with name",  # 5.x ServiceProvider probing optional SPI files
    "Load default",  # ... transaction/discard/HA hook service
    "Unknown channel option",  # Netty on SO_KEEPALIVE
    "The commitlog files are deleted, and delete the consume queue files",  # every first start
    "but interrupted, this may caused by shutdown", "interrupted, possibly by shutdown",
    "sending heartbeat, but no consumer and no producer",
    "Failed to parse configuration to enable ACL",
    "Handle unregister broker request failed",  # 5.x name server stop: an InterruptedException
    "Load AutoSwitch HA Service", "No snapshot exists",
    # Repeated every Raft heartbeat/vote round or reconnect while a peer is down: the elections
    # themselves are on the console, the details stay in the files.
    "Send heartBeat request failed", "Send vote request failed", "createChannel: connect remote host",
)


def config_name(role: str, line: int) -> str:
    """The file name each RocketMQ line looks for under conf/."""
    return f"logback_{role}.xml" if line == 4 else f"rmq.{role}.logback.xml"


def logback_xml(role: str) -> str:
    """A deterministic logback configuration for `role` (broker, namesrv, controller, tools, proxy)."""
    routes = ROUTES[role]
    target = "System.err" if role == "tools" else "System.out"
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<!-- rmqlab logging for RocketMQ {role}: files as RocketMQ names them, key lines on the console. -->",
           "<configuration>",
           '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
           f"    <target>{target}</target>",
           f'    <filter class="{CLASS_NAME}">']
    out += [f"      <key>{escape(phrase)}</key>" for phrase in KEYS[role]]
    out += [f"      <noise>{escape(phrase)}</noise>" for phrase in NOISE]
    out += ["    </filter>", f"    <encoder><pattern>{PATTERN}</pattern></encoder>", "  </appender>"]
    for name in sorted({r.file for r in routes}):
        out += _file_appender(name)
    for route in routes:
        refs = [f'    <appender-ref ref="{_appender(route.file)}"/>']
        if route.console:
            refs.append('    <appender-ref ref="CONSOLE"/>')
        out.append(f'  <logger name="{route.logger}" additivity="false" level="INFO">' if route.logger
                   else '  <root level="INFO">')
        out += refs
        out.append("  </logger>" if route.logger else "  </root>")
    out.append("</configuration>")
    return "\n".join(out) + "\n"


def _appender(file: str) -> str:
    return "FILE_" + file.removesuffix(".log").upper()


def _file_appender(file: str) -> list[str]:
    stem = file.removesuffix(".log")
    return [
        f'  <appender name="{_appender(file)}" class="ch.qos.logback.core.rolling.RollingFileAppender">',
        f"    <file>{LOG_DIR}/{file}</file>",
        '    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">',
        f"      <fileNamePattern>{LOG_DIR}/otherdays/{stem}.%i.log.gz</fileNamePattern>",
        "      <minIndex>1</minIndex><maxIndex>3</maxIndex>",
        "    </rollingPolicy>",
        '    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">',
        "      <maxFileSize>32MB</maxFileSize>",
        "    </triggeringPolicy>",
        f"    <encoder><pattern>{PATTERN}</pattern></encoder>",
        "  </appender>",
    ]
