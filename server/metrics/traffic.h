// What the hub's thread counts for /metrics: messages and bytes by route and event, acks by
// outcome, errors by code, handler latency, slow-consumer disconnects and refused handshakes.
//
// Plain integers, written on the hub's thread only (the hub, the event dispatcher and the
// WebSocket front end call in) and read there at scrape time: no atomics, no locks. A message
// costs two hash lookups (route, then event) on label sets made once. Events are the
// application's names and a client may send any: each route keeps at most MaxEventsPerRoute
// distinct event labels, the rest count under event="other" (docs/metrics.md says so).
#pragma once

#include "registry.h"

#include <QHash>
#include <QString>

namespace cortado::metrics {

class TrafficMetrics
{
public:
    static constexpr qsizetype MaxEventsPerRoute = 200;
    static constexpr qsizetype MaxErrorCodes = 200; // handlers may return codes of their own
    static constexpr QLatin1String OtherEvent{"other"};
    static constexpr QLatin1String InvalidEvent{"invalid"}; // a frame that did not parse

    enum class ErrorKind { Ack, System }; // an error ack, or system:error (no id to answer)

    // A client frame on `route` (a route pattern such as "/chat"); `event` empty: it did not parse.
    void incoming(const QString &route, const QString &event, qint64 bytes);
    // `recipients` copies of a `bytes` long frame for `event` to sockets of `route`.
    void outgoing(const QString &route, const QString &event, qint64 recipients, qint64 bytes);
    void ack(const QString &route, bool ok);
    void error(const QString &code, ErrorKind kind);
    void handlerFinished(const QString &route, qint64 nanoseconds);
    void slowConsumer(const QString &route);
    // A WebSocket handshake answered with `status` and the protocol error `code`.
    void refusedHandshake(int status, const QString &code);

    // Every family above, with all its samples.
    void write(TextWriter &writer) const;

    // Running totals for the admin channel, which sends their change every second (the console's
    // Overview charts and alerts): per route and for all routes together.
    struct RouteTotals
    {
        qint64 messagesIn = 0, bytesIn = 0, messagesOut = 0, bytesOut = 0;
        qint64 acksError = 0, slowConsumers = 0;
        RouteTotals &operator+=(const RouteTotals &other);
    };
    struct Totals
    {
        RouteTotals all;
        QHash<QString, RouteTotals> routes;
        QHash<QPair<QString, QString>, QPair<qint64, qint64>> events; // (route, event) → messages (in, out)
        QHash<QString, qint64> errors; // by code, error acks and system:error together
        qint64 refusedHandshakes = 0;
        Histogram::Counts handlerTimes{}; // every route's handler durations together
    };
    Totals totals() const;

private:
    struct EventCounters
    {
        qint64 messagesIn = 0, bytesIn = 0, messagesOut = 0, bytesOut = 0;
    };
    struct RouteCounters
    {
        QHash<QString, EventCounters> events; // at most MaxEventsPerRoute, then `other`
        EventCounters other;
        qint64 acksOk = 0, acksError = 0;
        qint64 slowConsumers = 0;
        Histogram handlerSeconds;
    };
    EventCounters &event(const QString &route, const QString &event);

    QHash<QString, RouteCounters> m_routes;
    QHash<QPair<QString, int>, qint64> m_errors; // (code, kind)
    QHash<QPair<int, QString>, qint64> m_refusedHandshakes; // (status, code)
};

} // namespace cortado::metrics
