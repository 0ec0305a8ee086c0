// GET / — what this example server offers (the demo page at /demo, the JavaScript client at /cortado.js).
#include <cortado/route.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &) {
        return cortado::HttpResponse::json(QJsonObject{
                {u"name"_s, u"Cortado example server"_s},
                {u"rest"_s, QJsonArray{u"/health"_s, u"/api/rooms"_s, u"/api/rooms/<room>"_s,
                                       u"/api/rooms/<room>/broadcast"_s}},
                {u"websocket"_s, QJsonArray{u"/chat"_s, u"/board"_s}},
                {u"browser"_s, QJsonObject{{u"demo"_s, u"/demo"_s}, {u"client"_s, u"/cortado.js"_s},
                                           {u"types"_s, u"/cortado.d.ts"_s}}},
                {u"protocol"_s, u"docs/protocol.md"_s}});
    });
}
