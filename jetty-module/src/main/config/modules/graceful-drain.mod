# graceful-drain: see README.md of the graceful-drain project.

[description]
Drains the server on stop: closes the listeners and every idle or never-used
HTTP/1.1 connection at once with a clean FIN, lets every busy connection finish
(its response marked Connection: close), and lets the stop complete the moment
the last one is done, aborting what is left at jetty.drain.timeout.
Replaces the stock "graceful" module's connector idle-timeout shrink for the
HTTP/1.1 connectors it manages.

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
# end::documentation[]
