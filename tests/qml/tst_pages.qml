import QtQuick
import QtQuick.Controls
import QtTest
import "../../qml/pages"

Item {
    id: root
    width: 1200
    height: 700

    function feed(event, payload) {
        adminClient.handleMessage(JSON.stringify({ event: event, payload: payload }))
    }
    function socket(id, user, rooms) {
        return { id: id, route: "/chat", address: "127.0.0.1", connectedAt: Date.now(), rooms: rooms,
                 user: { id: user, name: user, roles: ["editor"] }, messagesIn: 3, messagesOut: 4 }
    }

    SocketsPage { id: sockets; admin: adminClient; anchors.fill: parent; visible: false }
    TrafficPage { id: traffic; admin: adminClient; anchors.fill: parent; visible: false }
    NodesPage { id: nodes; admin: adminClient; anchors.fill: parent; visible: false }

    TestCase {
        name: "Pages"
        when: windowShown
        visible: true

        function initTestCase() {
            root.feed("admin:snapshot", { server: {}, you: { role: "admin" },
                                          sockets: [root.socket("s1", "alice", ["lobby"]), root.socket("s2", "bob", [])],
                                          rooms: [], presence: [], counters: {} })
        }

        function test_socketsTableFiltersAsYouType() {
            sockets.visible = true
            tryCompare(sockets, "shown", 2)
            sockets.filterText = "bob"
            tryCompare(sockets, "shown", 1)
            sockets.filterText = ""
            tryCompare(sockets, "shown", 2)
            root.feed("admin:page", { view: "sockets", offset: 0, matched: 3, total: 3,
                                      rows: [root.socket("s1", "alice", ["lobby"]), root.socket("s2", "bob", []),
                                             root.socket("s3", "carol", [])] })
            tryCompare(sockets, "shown", 3)
            sockets.selectFirst()
            compare(sockets.selected.length > 0, true)
            sockets.visible = false
        }

        // The pager shows the server's counts (admin:page) and offers what exists.
        function test_socketsPagerShowsTheServersCounts() {
            sockets.visible = true
            root.feed("admin:page", { view: "sockets", offset: 100, matched: 250, total: 300,
                                      rows: [root.socket("s7", "gina", []), root.socket("s8", "hal", [])] })
            tryCompare(sockets, "shown", 2)
            compare(findChild(sockets, "socketsPageLabel").text, "101–102 of 250 matching (300 sockets)")
            compare(findChild(sockets, "socketsPrevious").enabled, true)
            compare(findChild(sockets, "socketsNext").enabled, true)
            root.feed("admin:page", { view: "sockets", offset: 0, matched: 2, total: 2,
                                      rows: [root.socket("s1", "alice", ["lobby"]), root.socket("s2", "bob", [])] })
            compare(findChild(sockets, "socketsPageLabel").text, "1–2 of 2 matching (2 sockets)")
            compare(findChild(sockets, "socketsPrevious").enabled, false)
            compare(findChild(sockets, "socketsNext").enabled, false)
            sockets.visible = false
        }

        function test_nodesListAndDegradedBanner() {
            nodes.visible = true
            const node = (id, self, heard) => ({ id: id, address: "http://127.0.0.1:808" + id.length, startedAt: 1,
                                                 uptimeMs: 65000, connections: 3, rooms: 1, messagesPerSecond: 2.5,
                                                 lastHeartbeatMs: heard, self: self })
            root.feed("admin:nodes", { nodes: [node("a", true, 0), node("b", false, 900)], cluster: { redis: "up" } })
            tryCompare(nodes, "shown", 2)
            compare(nodes.degraded, false)
            const banner = findChild(nodes, "degradedBanner")
            compare(banner.visible, false)
            root.feed("admin:nodes", { nodes: [node("a", true, 0)], cluster: { redis: "down", lastError: "Connection refused" } })
            tryCompare(nodes, "shown", 1)
            compare(nodes.degraded, true)
            tryCompare(banner, "visible", true)
            root.feed("admin:nodes", { nodes: [node("a", true, 0), node("b", false, 300)], cluster: { redis: "up" } })
            tryCompare(banner, "visible", false)
            nodes.visible = false
        }

        function test_trafficShowsFiltersAndPauses() {
            traffic.visible = true
            for (let i = 0; i < 5; ++i)
                root.feed("admin:traffic", { t: Date.now(), dir: i % 2 ? "out" : "in", route: "/chat", event: "chat:send", size: 10, payload: { n: i } })
            tryCompare(traffic, "shown", 5)
            traffic.filter.direction = "in"
            tryCompare(traffic, "shown", 3)
            traffic.filter.direction = ""
            adminClient.traffic.paused = true
            root.feed("admin:traffic", { t: Date.now(), dir: "in", route: "/chat", event: "x:y", size: 1 })
            wait(50)
            compare(traffic.shown, 5)
            compare(adminClient.traffic.missed, 1)
            adminClient.traffic.paused = false
            traffic.visible = false
        }
    }
}
