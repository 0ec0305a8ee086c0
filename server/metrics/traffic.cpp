#include "traffic.h"

#include <algorithm>

namespace cortado::metrics {

TrafficMetrics::EventCounters &TrafficMetrics::event(const QString &route, const QString &name)
{
    RouteCounters &counters = m_routes[route];
    static const QString invalid(InvalidEvent);
    const QString &label = name.isEmpty() ? invalid : name; // no copy of the name per message
    const auto found = counters.events.find(label);
    if (found != counters.events.end())
        return *found;
    if (counters.events.size() >= MaxEventsPerRoute)
        return counters.other;
    return counters.events[label];
}

void TrafficMetrics::incoming(const QString &route, const QString &name, qint64 bytes)
{
    EventCounters &counters = event(route, name);
    ++counters.messagesIn;
    counters.bytesIn += bytes;
}

void TrafficMetrics::outgoing(const QString &route, const QString &name, qint64 recipients, qint64 bytes)
{
    if (recipients <= 0)
        return;
    EventCounters &counters = event(route, name);
    counters.messagesOut += recipients;
    counters.bytesOut += recipients * bytes;
}

void TrafficMetrics::ack(const QString &route, bool ok)
{
    RouteCounters &counters = m_routes[route];
    ++(ok ? counters.acksOk : counters.acksError);
}

void TrafficMetrics::error(const QString &code, ErrorKind kind)
{
    QPair<QString, int> key{code, int(kind)};
    if (!m_errors.contains(key) && m_errors.size() >= MaxErrorCodes)
        key.first = OtherEvent;
    ++m_errors[key];
}

void TrafficMetrics::handlerFinished(const QString &route, qint64 nanoseconds)
{
    m_routes[route].handlerSeconds.observe(nanoseconds);
}

void TrafficMetrics::slowConsumer(const QString &route)
{
    ++m_routes[route].slowConsumers;
}

void TrafficMetrics::refusedHandshake(int status, const QString &code)
{
    ++m_refusedHandshakes[{status, code}];
}

TrafficMetrics::RouteTotals &TrafficMetrics::RouteTotals::operator+=(const RouteTotals &other)
{
    messagesIn += other.messagesIn;
    bytesIn += other.bytesIn;
    messagesOut += other.messagesOut;
    bytesOut += other.bytesOut;
    acksError += other.acksError;
    slowConsumers += other.slowConsumers;
    return *this;
}

TrafficMetrics::Totals TrafficMetrics::totals() const
{
    Totals totals;
    for (auto route = m_routes.cbegin(); route != m_routes.cend(); ++route) {
        RouteTotals sum;
        const auto add = [&sum](const EventCounters &counters) {
            sum.messagesIn += counters.messagesIn;
            sum.bytesIn += counters.bytesIn;
            sum.messagesOut += counters.messagesOut;
            sum.bytesOut += counters.bytesOut;
        };
        for (auto event = route->events.cbegin(); event != route->events.cend(); ++event) {
            add(*event);
            totals.events.insert({route.key(), event.key()}, {event->messagesIn, event->messagesOut});
        }
        add(route->other);
        if (route->other.messagesIn > 0 || route->other.messagesOut > 0)
            totals.events.insert({route.key(), QString(OtherEvent)}, {route->other.messagesIn, route->other.messagesOut});
        sum.acksError = route->acksError;
        sum.slowConsumers = route->slowConsumers;
        totals.routes.insert(route.key(), sum);
        totals.all += sum;
        const Histogram::Counts counts = route->handlerSeconds.counts();
        for (std::size_t i = 0; i < counts.size(); ++i)
            totals.handlerTimes[i] += counts[i];
    }
    for (auto error = m_errors.cbegin(); error != m_errors.cend(); ++error)
        totals.errors[error.key().first] += error.value();
    for (const qint64 count : m_refusedHandshakes)
        totals.refusedHandshakes += count;
    return totals;
}

namespace {

// Samples in a stable order: scrapes diff well, and tests read them easily.
template<typename Map>
QList<typename Map::key_type> sortedKeys(const Map &map)
{
    QList<typename Map::key_type> keys = map.keys();
    std::sort(keys.begin(), keys.end());
    return keys;
}

} // namespace

void TrafficMetrics::write(TextWriter &writer) const
{
    using Type = TextWriter::Type;
    const QList<QString> routes = sortedKeys(m_routes);
    struct Family
    {
        const char *name;
        const char *help;
        qint64 EventCounters::*field;
    };
    static constexpr Family families[] = {
            {"cortado_messages_received_total", "Client frames received, by route and event (invalid: did not parse).",
             &EventCounters::messagesIn},
            {"cortado_received_bytes_total", "Bytes of client frames received (JSON text, without WebSocket framing).",
             &EventCounters::bytesIn},
            {"cortado_messages_sent_total", "Messages delivered to sockets (one per recipient), by route and event.",
             &EventCounters::messagesOut},
            {"cortado_sent_bytes_total", "Bytes of messages delivered (JSON text per recipient, without WebSocket framing).",
             &EventCounters::bytesOut},
    };
    for (const Family &family : families) {
        writer.family(family.name, Type::Counter, family.help);
        for (const QString &route : routes) {
            const RouteCounters &counters = m_routes[route];
            for (const QString &name : sortedKeys(counters.events)) {
                const qint64 value = counters.events[name].*family.field;
                if (value > 0)
                    writer.sample(family.name, {{"route", route}, {"event", name}}, value);
            }
            if (const qint64 value = counters.other.*family.field; value > 0)
                writer.sample(family.name, {{"route", route}, {"event", QString(OtherEvent)}}, value);
        }
    }

    writer.family("cortado_acks_total", Type::Counter, "Acks sent for client requests, by route and outcome (ok, error).");
    for (const QString &route : routes) {
        const RouteCounters &counters = m_routes[route];
        if (counters.acksOk > 0)
            writer.sample("cortado_acks_total", {{"route", route}, {"outcome", QStringLiteral("ok")}}, counters.acksOk);
        if (counters.acksError > 0)
            writer.sample("cortado_acks_total", {{"route", route}, {"outcome", QStringLiteral("error")}}, counters.acksError);
    }

    writer.family("cortado_errors_total", Type::Counter,
                  "Errors sent to clients, by code and kind (ack: an error ack; system: system:error).");
    for (const auto &key : sortedKeys(m_errors)) {
        writer.sample("cortado_errors_total",
                      {{"code", key.first}, {"kind", key.second == int(ErrorKind::Ack) ? QStringLiteral("ack") : QStringLiteral("system")}},
                      m_errors[key]);
    }

    writer.family("cortado_handler_duration_seconds", Type::Histogram,
                  "Time in event handlers on the hub's thread, by route (heavy handlers' worker time not included).");
    for (const QString &route : routes) {
        const Histogram &histogram = m_routes[route].handlerSeconds;
        if (histogram.count() > 0)
            histogram.write(writer, "cortado_handler_duration_seconds", {{"route", route}});
    }

    writer.family("cortado_slow_consumer_disconnects_total", Type::Counter,
                  "Sockets closed with 4101 because they read too slowly, by route.");
    for (const QString &route : routes) {
        if (const qint64 value = m_routes[route].slowConsumers; value > 0)
            writer.sample("cortado_slow_consumer_disconnects_total", {{"route", route}}, value);
    }

    writer.family("cortado_refused_handshakes_total", Type::Counter,
                  "WebSocket handshakes refused, by HTTP status and error code (reason).");
    for (const auto &key : sortedKeys(m_refusedHandshakes)) {
        writer.sample("cortado_refused_handshakes_total",
                      {{"status", QString::number(key.first)}, {"reason", key.second}}, m_refusedHandshakes[key]);
    }
}

} // namespace cortado::metrics
