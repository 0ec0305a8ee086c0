// What runs on an untrusted JSON Web Token: our checks in front of libjwt (shape, base64url JSON,
// algorithm), libjwt's decode, and the claims policy once a signature verified.
// Input: a token, or a JSON claims object (then signed and verified as well).
#include "fuzzcheck.h"

#include "auth/tokens.h"

#include <QJsonDocument>

#include <cstdint>

using namespace Qt::StringLiterals;
using namespace cortado::auth;

static const TokenConfig &config()
{
    static const TokenConfig config = [] {
        TokenConfig result;
        result.algorithm = Algorithm::HS256;
        result.verificationKey = result.signingKey = "fuzzing-secret-of-at-least-32-bytes"_ba;
        result.issuer = u"cortado"_s;
        result.audience = u"clients"_s;
        return result;
    }();
    return config;
}

static QString refusalReason(const std::variant<User, cortado::Error> &outcome)
{
    const auto *error = std::get_if<cortado::Error>(&outcome);
    return error ? error->details.toObject().value("reason"_L1).toString() : QString();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(data, qsizetype(size));
    const TokenVerifier verifier(config());

    const std::variant<User, cortado::Error> outcome = verifier.verify(input);
    if (const auto *user = std::get_if<User>(&outcome))
        CORTADO_FUZZ_CHECK(!user->id.isEmpty()); // only from a seed signed with the secret
    else
        CORTADO_FUZZ_CHECK(!refusalReason(outcome).isEmpty());
    (void)checkTokenFront(input, Algorithm::RS256);

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(input.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return 0;
    const QJsonObject claims = document.object();
    constexpr qint64 now = 1'800'000'000;
    const std::variant<User, cortado::Error> user = userFromClaims(claims, config(), now);
    if (const auto *valid = std::get_if<User>(&user))
        CORTADO_FUZZ_CHECK(!valid->id.isEmpty());
    else
        CORTADO_FUZZ_CHECK(!refusalReason(user).isEmpty());

    // Whatever claims we sign, we read back: the verdict is never about the token's form.
    const QByteArray token = issueToken(config(), claims);
    if (token.isEmpty())
        return 0; // libjwt refused the claims (e.g. an integer it cannot hold)
    const QString reason = refusalReason(verifier.verify(token));
    CORTADO_FUZZ_CHECK(reason != "malformed"_L1 && reason != "algorithm"_L1 && reason != "signature"_L1);
    return 0;
}
