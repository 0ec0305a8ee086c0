// GET /cortado.js — the JavaScript client (shared/js/cortado.js, an ES module; docs/javascript.md),
// carried inside the server so a page can `import { Cortado } from '/cortado.js'`.
#include <cortado/route.h>

#include <cortado/asset.h>

#include "embedded/cortado_js.h"

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        static const QByteArray file = QByteArray::fromRawData(reinterpret_cast<const char *>(cortado_js),
                                                               cortado_js_size);
        return cortado::assetResponse(ctx.request(), file, "text/javascript; charset=utf-8");
    });
}
