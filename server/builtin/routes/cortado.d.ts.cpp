// GET /cortado.d.ts — TypeScript declarations of /cortado.js (shared/js/cortado.d.ts).
#include <cortado/route.h>

#include <cortado/asset.h>

#include "embedded/cortado_d_ts.h"

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        static const QByteArray file = QByteArray::fromRawData(reinterpret_cast<const char *>(cortado_d_ts),
                                                               cortado_d_ts_size);
        // TypeScript's own type (IANA has none for declarations): they are source text.
        return cortado::assetResponse(ctx.request(), file, "application/typescript; charset=utf-8");
    });
}
