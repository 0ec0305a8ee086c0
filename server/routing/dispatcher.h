#pragma once

#include "router.h"

namespace cortado {

// Turns one client frame into a handler call and its ack. Parses each frame once, looks the
// handler up by event name (a hash lookup), runs the event middleware chain, answers errors with
// the documented codes, and never lets a handler's exception reach the event loop.
class EventDispatcher
{
public:
    EventDispatcher(const Router &router, Hub &hub) : m_router(router), m_hub(hub) { }

    void dispatchText(Session &session, const WsRoute &route, QByteArrayView utf8);
    void dispatchBinary(Session &session);

private:
    Ack invoke(EventContext &context, const WsRoute &route);
    Ack join(EventContext &context, const WsRoute &route);
    Ack leave(EventContext &context);
    void answer(const EventContext &context, const Ack &ack);
    void sendError(Session &session, const QJsonValue &id, const protocol::ErrorInfo &error);

    const Router &m_router;
    Hub &m_hub;
};

} // namespace cortado
