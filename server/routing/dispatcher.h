#pragma once

#include "router.h"

#include <QObject>
#include <QThreadPool>

namespace cortado {

// Turns one client frame into a handler call and its ack, and knows no event by name: parses each
// frame once, admits it (rate limits), runs the event middleware chain, looks the binding up by
// event name (the route's, then the router's global and built-in ones: room:join lives in
// routing/rooms.cpp), checks what the binding declares (its rate limit, room membership), runs the
// handler, answers errors with the documented codes, and never lets a handler's exception reach
// the event loop.
class EventDispatcher
{
public:
    EventDispatcher(const Router &router, Hub &hub);
    ~EventDispatcher();

    void dispatchText(Session &session, const WsRoute &route, QByteArrayView utf8);
    void dispatchBinary(Session &session);

    // Where heavy handlers run (defaults to as many threads as cores).
    QThreadPool &workers() { return m_workers; }
    // Heavy handlers queued or running, whose result has not come back to the event loop yet
    // (at most RateLimits::heavyJobs).
    int heavyJobsInFlight() const { return m_heavyJobsInFlight; }

private:
    // std::nullopt when the answer comes later (a heavy handler is running).
    std::optional<Ack> invoke(EventContext &context, const WsRoute &route);
    void startHeavy(EventContext &context, const WsRoute::EventBinding &binding);
    void answer(const EventContext &context, const Ack &ack);
    void sendError(Session &session, const QJsonValue &id, const protocol::ErrorInfo &error);
    // Takes a token from `bucket`, or counts a refusal toward closing the socket (4029).
    std::optional<Error> takeToken(Session &session, TokenBucket &bucket, const RateLimit &limit);
    Error rateRefusal(Session &session, qint64 retryAfterMs);
    // The socket's, then its user's event rate (RateLimits).
    std::optional<Error> admit(Session &session, const WsRoute &route);
    // Answers `rate_limited`; closes the socket with 4029 when it keeps going.
    void refuseForRate(Session &session, const QJsonValue &id, const Error &refusal);

    const Router &m_router;
    Hub &m_hub;
    Realtime m_realtime; // what handlers see
    QThreadPool m_workers;
    // Made on first use, from the router's limits: per signed-in user, per guest address.
    std::optional<RateLimiter> m_userEvents;
    std::optional<RateLimiter> m_guestEvents;
    QObject m_loop; // heavy results come back to the thread this lives in
    int m_heavyJobsInFlight = 0;
};

} // namespace cortado
