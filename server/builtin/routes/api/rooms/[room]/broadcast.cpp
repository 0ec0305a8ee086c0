// POST /api/rooms/<room>/broadcast {"event", "payload"?, "route"?} — emits an event into a room
// from REST. The route defaults to "/chat" (also settable as ?route=). Publishing is a privilege: a
// token with the "publisher" or "admin" role, or the server API key (401 / 403 otherwise). "ack" and
// "system:*" are the server's own events and are refused.
#include <cortado/route.h>

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

CORTADO_REST_ROUTE(route)
{
    route.post([](cortado::Context &ctx) {
        cortado::Error error;
        const std::optional<QJsonObject> body = ctx.jsonBody(&error);
        if (!body)
            return cortado::HttpResponse::error(error);
        const QJsonValue event = body->value("event"_L1);
        if (!event.isString() || !cortado::protocol::isValidEventName(event.toString())
            || cortado::protocol::isReservedEvent(event.toString()))
            return cortado::HttpResponse::error(cortado::Error::badRequest(
                    errors::BadEvent, u"\"event\" must be a domain:action string, not ack or system:*"_s));
        QString wsRoute = ctx.request().queryValue(u"route"_s);
        if (body->contains("route"_L1))
            wsRoute = body->value("route"_L1).toString();
        if (wsRoute.isEmpty())
            wsRoute = u"/chat"_s;

        const QString room = ctx.request().param(u"room"_s);
        if (auto refusal = cortado::authorizeRoom(ctx, wsRoute, room, cortado::RoomAction::Publish))
            return cortado::HttpResponse::error(*refusal);
        const cortado::Delivery delivery =
                ctx.emit(cortado::Target::room(wsRoute, room), event.toString(), body->value("payload"_L1));
        if (auto refusal = delivery.error()) // overloaded: 503
            return cortado::HttpResponse::error(*refusal);
        QJsonObject answer{{u"route"_s, wsRoute}, {u"room"_s, room}, {u"event"_s, event},
                           {u"delivered"_s, delivery.recipients}};
        if (delivery.offset)
            answer.insert(u"offset"_s, *delivery.offset);
        if (delivery.pending) // a cluster numbers it and delivers it on every node a moment later
            answer.insert(u"pending"_s, true);
        return cortado::HttpResponse::json(answer);
    });
}
