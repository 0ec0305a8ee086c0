// GET /demo — a chat with presence and a shared board in the browser, on /cortado.js
// (server/example/web/demo.html, compiled in). Open /demo#token=<token> to be a user (the fragment
// never reaches the server or its logs); without a token you chat as a guest and the board is off.
#include <cortado/route.h>

#include <cortado/asset.h>

#include "embedded/demo_html.h"

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        static const QByteArray page = QByteArray::fromRawData(reinterpret_cast<const char *>(demo_html),
                                                               demo_html_size);
        return cortado::assetResponse(ctx.request(), page, "text/html; charset=utf-8");
    });
}
