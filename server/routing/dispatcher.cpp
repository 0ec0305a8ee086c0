#include "dispatcher.h"

#include "metrics/traffic.h"

#include <QtConcurrent>

#include <QJsonObject>
#include <QLoggingCategory>

#include <chrono>
#include <exception>

Q_LOGGING_CATEGORY(lcRouting, "cortado.routing", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace cortado {

namespace errors = protocol::errors;

EventDispatcher::EventDispatcher(const Router &router, Hub &hub)
    : m_router(router), m_hub(hub), m_realtime(hub, router)
{
    m_workers.setObjectName(u"cortado-workers"_s);
}

EventDispatcher::~EventDispatcher()
{
    m_workers.waitForDone(); // no worker may outlive what its result would be delivered to
}

Error EventDispatcher::rateRefusal(Session &session, qint64 retryAfterMs)
{
    Session::RateState &rate = session.rate;
    const qint64 now = monotonicMs();
    if (now - rate.windowStartMs > 10'000) {
        rate.windowStartMs = now;
        rate.refusals = 0;
    }
    ++rate.refusals;
    Error error{429, errors::RateLimited, u"too many events; retry in %1 ms"_s.arg(retryAfterMs)};
    error.details = QJsonObject{{u"retryAfterMs"_s, retryAfterMs}};
    return error;
}

std::optional<Error> EventDispatcher::takeToken(Session &session, TokenBucket &bucket,
                                                const RateLimit &limit)
{
    qint64 retryAfterMs = 0;
    if (bucket.take(limit, monotonicMs(), &retryAfterMs))
        return std::nullopt;
    return rateRefusal(session, retryAfterMs);
}

std::optional<Error> EventDispatcher::admit(Session &session, const WsRoute &route)
{
    const RateLimits &limits = m_router.rateLimits();
    if (auto refusal = takeToken(session, session.rate.events, route.eventLimit().value_or(limits.eventsPerSocket)))
        return refusal;
    // All tabs of one user share a bucket; all guests of one address share one too.
    const QString user = session.data.value(u"user"_s).toMap().value(u"id"_s).toString();
    std::optional<RateLimiter> &shared = user.isEmpty() ? m_guestEvents : m_userEvents;
    if (!shared)
        shared.emplace(user.isEmpty() ? limits.guestEventsPerAddress : limits.eventsPerUser,
                       limits.maxTrackedClients);
    qint64 retryAfterMs = 0;
    if (shared->take(user.isEmpty() ? session.remoteAddress() : user, monotonicMs(), &retryAfterMs))
        return std::nullopt;
    return rateRefusal(session, retryAfterMs);
}

void EventDispatcher::refuseForRate(Session &session, const QJsonValue &id, const Error &refusal)
{
    sendError(session, id, refusal.info());
    const int allowed = m_router.rateLimits().refusalsBeforeClose;
    if (allowed > 0 && session.rate.refusals >= allowed) {
        qCInfo(lcRouting) << "closing socket" << session.id() << "from" << session.remoteAddress()
                          << ": it kept sending over its rate limit";
        m_hub.disconnect(session.id(), protocol::close::RateLimited, u"rate limit exceeded repeatedly"_s);
    }
}

void EventDispatcher::dispatchText(Session &session, const WsRoute &route, QByteArrayView utf8)
{
    protocol::ParseResult parsed = protocol::parseEnvelope(utf8);
    m_hub.recordIncoming(session, utf8.size(), parsed.envelope ? &*parsed.envelope : nullptr);
    // Every frame counts, garbage too.
    if (std::optional<Error> refusal = admit(session, route)) {
        refuseForRate(session, parsed.envelope ? parsed.envelope->id : parsed.id, *refusal);
        return;
    }
    if (!parsed.envelope) {
        sendError(session, parsed.id, parsed.error);
        return;
    }
    EventContext context(session, m_realtime, std::move(*parsed.envelope));
    if (std::optional<Ack> ack = invoke(context, route))
        answer(context, *ack);
}

void EventDispatcher::dispatchBinary(Session &session)
{
    m_hub.recordIncoming(session, 0);
    sendError(session, QJsonValue::Undefined,
              {errors::BinaryNotSupported,
               u"binary frames are not supported; send JSON text frames"_s});
}

std::optional<Ack> EventDispatcher::invoke(EventContext &context, const WsRoute &route)
{
    for (const auto *chain : {&m_router.eventMiddleware(), &route.eventMiddleware()}) {
        for (const EventMiddleware &middleware : *chain) {
            if (std::optional<Error> error = middleware(context))
                return *error;
        }
    }

    const QString &event = context.event();
    const WsRoute::EventBinding *binding = route.binding(event);
    if (!binding)
        binding = m_router.globalBinding(event);
    if (!binding)
        return Error::badRequest(errors::UnknownEvent,
                                 u"no handler for \"%1\" on %2"_s.arg(event, context.session().route()));
    if (binding->rateLimit) {
        Session &session = context.session();
        if (std::optional<Error> refusal = takeToken(session, session.rate.perEvent[event], *binding->rateLimit)) {
            refuseForRate(session, context.envelope().id, *refusal);
            return std::nullopt; // answered
        }
    }
    for (const EventMiddleware &middleware : binding->middleware) {
        if (std::optional<Error> error = middleware(context))
            return *error;
    }
    if (binding->membershipRequired) {
        if (!context.room())
            return Error::badRequest(errors::BadRoom, u"\"%1\" needs a \"room\""_s.arg(event));
        if (!context.isInRoom(*context.room()))
            return Error::badRequest(errors::NotInRoom,
                                     u"join \"%1\" before sending \"%2\" to it"_s.arg(*context.room(), event));
    }
    if (binding->heavyWork) {
        startHeavy(context, *binding);
        return std::nullopt;
    }
    try {
        if (metrics::TrafficMetrics *metrics = m_hub.metrics()) {
            const auto start = std::chrono::steady_clock::now();
            std::optional<Ack> ack = binding->handler(context);
            metrics->handlerFinished(context.session().route(),
                                     std::chrono::nanoseconds(std::chrono::steady_clock::now() - start).count());
            return ack;
        }
        return binding->handler(context);
    } catch (const std::exception &e) {
        qCWarning(lcRouting) << "handler for" << event << "threw:" << e.what();
    } catch (...) {
        qCWarning(lcRouting) << "handler for" << event << "threw";
    }
    return Error::internal(u"the handler for \"%1\" failed"_s.arg(event));
}

void EventDispatcher::startHeavy(EventContext &context, const WsRoute::EventBinding &binding)
{
    HeavyRequest request{context.event(), context.payload(), context.room(),
                         context.session().id(), context.session().data};
    const protocol::Envelope envelope = context.envelope();
    const HeavyWork work = binding.heavyWork;
    const HeavyFinish finish = binding.heavyFinish;
    if (m_heavyJobsInFlight >= m_router.rateLimits().heavyJobs) {
        answer(context, Error::overloaded(u"the server's workers are busy; retry \"%1\" later"_s.arg(context.event())));
        return;
    }
    ++m_heavyJobsInFlight;
    QtConcurrent::run(&m_workers, [work, request] { return work(request); })
            .then(&m_loop, [this, envelope, finish, socketId = request.socketId](const QJsonValue &result) {
                --m_heavyJobsInFlight;
                Session *session = m_hub.session(socketId);
                if (!session)
                    return; // the socket left while the work ran
                EventContext done(*session, m_realtime, envelope);
                Ack ack = Ack::ok(result);
                if (finish) {
                    try {
                        ack = finish(done, result);
                    } catch (...) {
                        ack = Error::internal(u"the handler for \"%1\" failed"_s.arg(envelope.event));
                    }
                }
                answer(done, ack);
            })
            .onFailed(&m_loop, [this, envelope, socketId = request.socketId] {
                --m_heavyJobsInFlight;
                qCWarning(lcRouting) << "heavy handler for" << envelope.event << "threw";
                if (Session *session = m_hub.session(socketId)) {
                    EventContext failed(*session, m_realtime, envelope);
                    answer(failed, Error::internal(u"the handler for \"%1\" failed"_s.arg(envelope.event)));
                }
            });
}

void EventDispatcher::answer(const EventContext &context, const Ack &ack)
{
    if (ack.isDeferred()) {
        const SocketId socketId = context.session().id();
        const protocol::Envelope envelope = context.envelope();
        ack.deferred()([this, socketId, envelope](const Ack &later) {
            if (Session *session = m_hub.session(socketId); session && !later.isDeferred())
                answer(EventContext(*session, m_realtime, envelope), later);
        });
        return;
    }
    const QJsonValue &id = context.envelope().id;
    if (ack.isOk()) {
        if (!id.isUndefined()) {
            if (metrics::TrafficMetrics *metrics = m_hub.metrics(); metrics && !Hub::isInternalRoute(context.session().route()))
                metrics->ack(context.session().route(), true);
            m_hub.sendFrame(context.session(), protocol::events::Ack,
                            protocol::encodeAck(id, ack.payload()));
        }
        return;
    }
    sendError(context.session(), id, ack.error().info());
}

void EventDispatcher::sendError(Session &session, const QJsonValue &id,
                                const protocol::ErrorInfo &error)
{
    if (metrics::TrafficMetrics *metrics = m_hub.metrics(); metrics && !Hub::isInternalRoute(session.route())) {
        metrics->error(error.code, id.isUndefined() ? metrics::TrafficMetrics::ErrorKind::System
                                                    : metrics::TrafficMetrics::ErrorKind::Ack);
        if (!id.isUndefined())
            metrics->ack(session.route(), false);
    }
    // With an id the client is waiting for an ack; without one, it still deserves to know.
    if (id.isUndefined())
        m_hub.sendFrame(session, protocol::events::Error, protocol::encodeSystemError(error));
    else
        m_hub.sendFrame(session, protocol::events::Ack, protocol::encodeErrorAck(id, error));
}

} // namespace cortado
