// Serving a file the program carries (cortado.js, a demo page compiled in with cortado_embed_file()).
#pragma once

#include "http.h"

#include <QCryptographicHash>

namespace cortado {

// `body` as `contentType`, with an ETag of its content and "Cache-Control: no-cache": browsers keep
// the file and revalidate, and a request whose If-None-Match is that ETag gets 304 without a body.
inline HttpResponse assetResponse(const Request &request, const QByteArray &body, const QByteArray &contentType)
{
    HttpResponse response;
    response.contentType = contentType;
    const QByteArray etag = '"' + QCryptographicHash::hash(body, QCryptographicHash::Sha1).toHex().left(20) + '"';
    response.headers = {{"ETag", etag}, {"Cache-Control", "no-cache"}};
    if (request.header("If-None-Match") == etag)
        response.status = 304;
    else
        response.body = body;
    return response;
}

} // namespace cortado
