// Public header: testing an app's routes (link Cortado::Test). See docs/testing.md.
//   cortado::test::TestServer  a real server with your routes, in process, on 127.0.0.1
//   cortado::test::TestClient  a protocol client: request() -> Reply, expectPush, expectNoPush
//   cortado::test::Reply       an ack: ok(), payload(), errorCode(), errorMessage(), timedOut()
#pragma once
#include "testing/testserver.h"
