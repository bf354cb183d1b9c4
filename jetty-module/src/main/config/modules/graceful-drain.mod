# graceful-drain: see README.md of the graceful-drain project.

[description]
Drains the server on stop: closes the listeners and every idle or never-used
connection at once (HTTP/1.1 and HTTPS: FIN, after a TLS close_notify; HTTP/2:
GOAWAY, PING, final GOAWAY), lets every busy connection finish (HTTP/1.1
responses marked Connection: close), tells webapps so they can end long
responses, and lets the stop complete the moment the last connection is done,
aborting what is left at jetty.drain.timeout.
Replaces the stock "graceful" module's connector idle-timeout shrink for the
HTTP, HTTPS, HTTP/2 and h2c connectors it manages.

[tags]
server
graceful

[depend]
server

[after]
# Our handler must see every request, so it is inserted after (outside) the
# handlers that these modules insert.
compression
cross-origin
debuglog
delay-until-content
dos
eager-content
graceful
gzip
min-data-rate
qos
rewrite
secure-redirect
size-limit
state-tracking
statistics
thread-limit

[lib]
lib/graceful-drain/graceful-drain-@project.version@.jar

[xml]
etc/graceful-drain.xml

[ini-template]
# tag::documentation[]
## How long, in milliseconds, busy connections may take to finish after a stop
## request. What is still busy then is aborted, each cut request is logged, and
## the stop completes. Also sets the server's graceful stop timeout.
## Allowed: 1 to 86400000.
# jetty.drain.timeout=30000

## How long, in milliseconds, a connection the drain has half-closed (FIN sent)
## is read and discarded while waiting for the client to close its side; then it
## is closed. Keeps a client that never closes from holding the stop.
## Allowed: 0 to 60000, and not more than jetty.drain.timeout.
# jetty.drain.lingerTimeout=1000

## The path of a readiness endpoint for load balancers and Kubernetes probes, answered
## before any webapp: 200 "serving" while serving, 503 (body: the state) from the stop
## request on. Probes are not counted as requests. Empty (the default): no endpoint.
# jetty.drain.readinessPath=/ready

## Pre-stop delay, in milliseconds: after the stop request keep accepting and serving for
## up to this long, while readiness answers 503 and every response carries
## Connection: close, so load balancers and pooled clients move away; then drain.
## Size it to the load balancer's health-check interval x its fall count, plus margin.
## Allowed: 0 (no delay) to 3600000.
# jetty.drain.preStopDelay=0

## End the pre-stop delay early once no request (readiness probes aside) has arrived for
## this many milliseconds. 0: always wait the whole delay. Allowed: 0 to 3600000.
# jetty.drain.quietPeriod=1000

## How long, in milliseconds, a TLS connection still in its handshake at the stop may
## take to finish it; then it is closed. One that finishes it in time and has sent no
## request is closed as never-used (close_notify, then FIN).
## Allowed: 0 to less than jetty.drain.timeout. Unset: 1000, or half the timeout if less.
# jetty.drain.handshakeTimeout=1000

## How long, in milliseconds, long responses may run after the drain began: server-sent
## events (Content-Type: text/event-stream) and responses a webapp marked with the request
## attribute dev.gracefuldrain.stream=true (long polls). Webapps are told at the drain's start
## (ServletContext attribute dev.gracefuldrain.draining) so they can end them cleanly; what is
## still running then is ended (HTTP/1.1: FIN after what was written; HTTP/2: that stream reset).
## Allowed: 0 to less than jetty.drain.timeout. Unset: 5000, or half the timeout if less.
# jetty.drain.streamTimeout=5000
# end::documentation[]
