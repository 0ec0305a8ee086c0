import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Dialogs
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
    OverviewPage { id: overview; admin: adminClient; anchors.fill: parent; visible: false }
    PlaygroundPage {
        id: playground
        admin: adminClient
        playground: playgroundObject
        settings: ({ url: "ws://127.0.0.1:9" })
        anchors.fill: parent
        visible: false
    }
    RoomsPage { id: rooms; admin: adminClient; anchors.fill: parent; visible: false }
    // The rooms page on a real server (started by its test: liveServer in tst_qml.cpp).
    RoomsPage { id: liveRooms; admin: liveServer.admin; anchors.fill: parent; visible: false }

    // WCAG's contrast ratio of two colours (1 to 21; 3 is the least for bold or large text).
    function contrast(a, b) {
        const luminance = c => {
            const linear = v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)
            return 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b)
        }
        const la = luminance(a), lb = luminance(b)
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
    }
    function fileUrl(path) { return "file://" + path }

    TestCase {
        name: "Pages"
        when: windowShown
        visible: true

        function initTestCase() {
            root.feed("admin:snapshot", { server: {}, you: { role: "admin" },
                                          sockets: [root.socket("s1", "alice", ["lobby"]), root.socket("s2", "bob", [])],
                                          rooms: [], presence: [], counters: {},
                                          catalog: { routes: [{ path: "/chat", events: [{
                                                         event: "chat:send", summary: "Send a message", requiresMembership: true,
                                                         example: { text: "hello" },
                                                         schema: { type: "object", required: ["text"], properties: { text: { type: "string" } } } }] }],
                                                     common: [{ event: "room:join", requiresMembership: false }] } })
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

        // Charts with time axes fed from the counters, the window switch, and alerts that rise and clear.
        function test_overviewChartsAndAlerts() {
            overview.visible = true
            const start = Date.now() - 20000
            for (let i = 0; i < 10; ++i) {
                root.feed("admin:counters", { t: start + i * 1000, connections: 3, rooms: 1, inPerSecond: i, outPerSecond: 2 * i,
                                              bytesInPerSecond: 100 * i, bytesOutPerSecond: 300 * i, errorsPerSecond: 0,
                                              errorsByCode: {}, handlerMs: { p50: 0.1, p99: 0.9 },
                                              routes: [{ route: "/chat", connections: 3, inPerSecond: i, outPerSecond: 2 * i,
                                                         bytesInPerSecond: 100 * i, bytesOutPerSecond: 300 * i, errorAcksPerSecond: 0 }],
                                              storage: { connected: true, backlog: 0, commitLagMs: 0 } })
            }
            const messages = findChild(overview, "chartMessages")
            verify(messages)
            compare(messages.count, 2) // in and out
            tryCompare(messages.series(0), "count", 10)
            compare(messages.series(1).at(9).y, 18)
            compare(messages.series(1).at(9).x, start + 9000)
            verify(messages.series(0).name.startsWith("in"))
            compare(findChild(overview, "alertsTitle").text, "No alerts: nothing needs an operator")

            overview.windowSeconds = 5
            tryCompare(messages.series(0), "count", 6) // the last five seconds, both ends
            overview.windowSeconds = 300

            root.feed("admin:counters", { t: start + 10000, connections: 3, slowConsumersPerSecond: 1,
                                          storage: { connected: false, backlog: 40, commitLagMs: 9000, lastError: "disk full" } })
            tryVerify(() => findChild(overview, "alert:storage-down") !== null)
            verify(findChild(overview, "alert:slow-consumers"))
            compare(findChild(overview, "alertsTitle").text, "2 alerts")
            compare(findChild(overview, "statStorage").status, "error")
            overview.visible = false
        }

        function test_playgroundPrefillsAndValidatesFromTheCatalog() {
            playground.visible = true
            tryCompare(findChild(playground, "routeField"), "editText", "/chat")
            const events = findChild(playground, "eventBox")
            tryCompare(events, "count", 2) // the route's chat:send, then the common room:join
            compare(findChild(playground, "eventSummary").text, "Send a message (join the room first)")
            playground.prefill(0)
            const frame = JSON.parse(playground.frameText)
            compare(frame.event, "chat:send")
            compare(frame.room, "lobby")
            compare(frame.payload.text, "hello")
            compare(playground.problem, "")
            // The problem shows under the editor as the user types, and Send stays off.
            playground.frameText = '{"event": "chat:send", "room": "lobby", "payload": {"text": 5}}'
            compare(playground.problem, "payload /text: must be string")
            tryCompare(findChild(playground, "frameProblem"), "visible", true)
            compare(findChild(playground, "sendButton").enabled, false)
            compare(findChild(playground, "openAsButton").enabled, true) // the snapshot says admin
            playground.visible = false
        }

        // The socket page lays out the server's details of the selected socket.
        function test_socketDetailsAreLaidOut() {
            sockets.visible = true
            sockets.selected = "s1"
            // Before the details arrive: the row on the page.
            compare(findChild(sockets, "socketField_route").text, "/chat")
            compare(findChild(sockets, "socketField_bytesQueued").text, "–")
            sockets.info = { id: "s1", route: "/chat", node: "b", address: "10.0.0.7", userAgent: "Firefox/131",
                             user: { id: "alice", name: "Alice", roles: ["editor", "admin"] }, rooms: ["lobby", "x"],
                             connectedForMs: 3723000, messagesIn: 12, messagesOut: 30, inPerSecond: 1.5,
                             outPerSecond: 0, bytesQueued: 2048 }
            compare(findChild(sockets, "socketField_user").text, "Alice (alice)")
            compare(findChild(sockets, "socketField_roles").text, "editor, admin")
            compare(findChild(sockets, "socketField_node").text, "b")
            compare(findChild(sockets, "socketField_userAgent").text, "Firefox/131")
            compare(findChild(sockets, "socketField_connectedFor").text, "1 h 2 min 3 s")
            compare(findChild(sockets, "socketField_rooms").text, "lobby, x")
            compare(findChild(sockets, "socketField_in").text, "12  (1.5/s)")
            compare(findChild(sockets, "socketField_bytesQueued").text, "2048")
            // Another socket's details never show under this one.
            sockets.selected = "s2"
            compare(findChild(sockets, "socketField_userAgent").text, "–")
            sockets.selected = ""
            sockets.visible = false
        }

        // The room page: members with a Leave action each, presence, the history browser.
        function test_roomPageShowsMembersPresenceAndHistory() {
            rooms.visible = true
            root.feed("admin:page", { view: "rooms", offset: 0, matched: 1, total: 1,
                                      rows: [{ route: "/chat", room: "lobby", members: 2 }] })
            tryCompare(adminClient.rooms, "count", 1)
            rooms.selectFirst()
            compare(rooms.selectedRoute, "/chat")
            compare(rooms.selectedRoom, "lobby")
            compare(findChild(rooms, "roomsPageLabel").text, "1–1 of 1 matching (1 rooms)")
            rooms.detail = { route: "/chat", room: "lobby", membersTotal: 2, membersTruncated: false,
                             members: [{ socket: "s1", user: { id: "alice", name: "Alice" } }, { socket: "s2", user: null }],
                             presence: [{ id: "alice", name: "Alice", status: "away", since: 0, connections: 2 }],
                             historyLength: 40, offset: 40 }
            const frame = findChild(rooms, "roomDetail")
            compare(frame.visible, true)
            tryCompare(findChild(rooms, "roomMembers"), "count", 2)
            compare(findChild(rooms, "roomPresence").count, 1)
            compare(findChild(rooms, "roomTitle").text, "Room lobby on /chat — 2 members")
            compare(findChild(rooms, "historyLabel").text, "History: 0 shown of 40 kept, newest offset 40")
            compare(findChild(rooms, "historyOlder").enabled, false) // not connected: nothing older to ask
            compare(findChild(rooms, "roomPartial").visible, false)
            compare(findChild(rooms, "roomsPartial").visible, false)
            rooms.selectedRoom = ""
            compare(frame.visible, false)
            rooms.visible = false
        }

        // In a cluster a node that does not answer in time leaves the rooms page and a room's
        // details partial: both say which node.
        function test_roomsPageAndRoomSayWhenTheClusterAnswerIsPartial() {
            rooms.visible = true
            root.feed("admin:page", { view: "rooms", offset: 0, matched: 1, total: 1, partial: true, missingNodes: ["n3"],
                                      rows: [{ route: "/chat", room: "lobby", members: 2 }] })
            const pagePartial = findChild(rooms, "roomsPartial")
            tryCompare(pagePartial, "visible", true)
            compare(pagePartial.text, "Partial: no answer from n3")
            rooms.selectFirst()
            rooms.detail = { route: "/chat", room: "lobby", membersTotal: 1, members: [{ socket: "s1", node: "n1" }],
                             presence: [], partial: true, missingNodes: ["n2", "n3"] }
            const roomPartial = findChild(rooms, "roomPartial")
            tryCompare(roomPartial, "visible", true)
            compare(roomPartial.text, "Partial: no answer from n2, n3")
            root.feed("admin:page", { view: "rooms", offset: 0, matched: 1, total: 1,
                                      rows: [{ route: "/chat", room: "lobby", members: 2 }] })
            tryCompare(pagePartial, "visible", false)
            rooms.selectedRoom = ""
            rooms.visible = false
        }

        // The sockets table is wider than the room the details panel leaves: it scrolls sideways,
        // its header with its rows.
        function test_socketsTableScrollsSidewaysWithItsHeader() {
            sockets.visible = true
            const list = findChild(sockets, "socketsList")
            tryVerify(() => list.count > 0)
            sockets.selected = "s1" // the details panel takes its room beside the table
            tryVerify(() => list.contentWidth > list.width, 1000, list.contentWidth + " > " + list.width)
            list.contentX = list.contentWidth - list.width
            const header = list.headerItem
            const row = list.itemAtIndex(0)
            // Both end at the view's right edge: the last columns (In, Out) are in view.
            fuzzyCompare(header.mapToItem(list, header.width, 0).x, list.width, 1)
            fuzzyCompare(row.mapToItem(list, row.width, 0).x, list.width, 1)
            list.contentX = 0
            sockets.selected = ""
            sockets.visible = false
        }

        // Scrolling to the end of the page asks the server for more rows of the same page.
        function test_socketsScrollingToTheEndAsksForMore() {
            sockets.visible = true
            sockets.query(0) // a page of 100 asked for (not connected: nothing is sent)
            const rows = []
            for (let i = 0; i < 100; ++i)
                rows.push(root.socket("r" + i, "user" + i, []))
            root.feed("admin:page", { view: "sockets", offset: 0, matched: 1000, total: 1000, rows: rows })
            tryCompare(sockets, "shown", 100)
            compare(sockets.shownLimit, 100)
            findChild(sockets, "socketsList").positionViewAtEnd()
            tryCompare(sockets, "shownLimit", 200)
            // All matching rows shown: scrolling asks for nothing more.
            root.feed("admin:page", { view: "sockets", offset: 0, matched: 2, total: 2,
                                      rows: [root.socket("s1", "alice", ["lobby"]), root.socket("s2", "bob", [])] })
            sockets.query(0)
            compare(sockets.shownLimit, 100)
            findChild(sockets, "socketsList").positionViewAtEnd()
            compare(sockets.shownLimit, 100)
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
            adminClient.traffic.clear()
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

        // Search what is kept, follow a user (clears the log, the filter goes to the server), and a
        // payload as a tree that folds.
        function test_trafficSearchFollowAndPayloadTree() {
            traffic.visible = true
            adminClient.traffic.clear()
            root.feed("admin:traffic", { t: Date.now(), dir: "in", route: "/chat", event: "chat:send", room: "lobby", socket: "s1",
                                         user: "alice", size: 40, payload: { text: "needle in a haystack", tags: ["a", "b"] } })
            root.feed("admin:traffic", { t: Date.now(), dir: "in", route: "/chat", event: "chat:send", room: "lobby", socket: "s2",
                                         user: "bob", size: 12, payload: { text: "hay" } })
            tryCompare(traffic, "shown", 2)
            const search = findChild(traffic, "trafficSearch")
            search.text = "NEEDLE"
            tryCompare(traffic, "shown", 1)
            search.text = ""
            tryCompare(traffic, "shown", 2)

            traffic.selectedRow = 0
            const tree = findChild(traffic, "payloadTree")
            tryVerify(() => tree.visible && tree.rows >= 2)
            tryCompare(tree, "rows", 4) // tags, its two items, text: opened
            tree.collapse(0) // the tags array folds
            tryCompare(tree, "rows", 2)

            traffic.follow("user", "alice")
            compare(findChild(traffic, "trafficUserFilter").text, "alice")
            compare(adminClient.traffic.count, 0) // what was kept before is gone
            root.feed("admin:traffic", { t: Date.now(), dir: "in", route: "/chat", event: "chat:send", room: "lobby", socket: "s1", user: "alice", size: 5 })
            root.feed("admin:traffic", { t: Date.now(), dir: "out", route: "/chat", event: "chat:message", room: "lobby", size: 5, recipients: 2 })
            tryCompare(traffic, "shown", 2) // hers, and the room's broadcast the server sent for her
            traffic.follow("room", "")
            adminClient.traffic.clear()
            traffic.visible = false
        }

        // A failed test leaves no page on top of the next test's (every page fills the window).
        function cleanup() {
            for (const page of [sockets, traffic, nodes, overview, playground, rooms, liveRooms])
                page.visible = false
        }

        // The dialog (or menu) has finished closing: no popup is left in the window's overlay to
        // take the next click.
        function waitForPopupsClosed() {
            tryCompare(root.Overlay.overlay, "visible", false)
        }

        // Types `name` into the open save dialog's file name field, as a user would, then Enter.
        function typeFileName(name) {
            const nameField = findChild(root.Overlay.overlay, "fileNameTextField")
            verify(nameField, "the save dialog's file name field")
            tryCompare(nameField, "visible", true)
            nameField.forceActiveFocus()
            nameField.selectAll()
            for (const c of name)
                keyClick(c)
            keyClick(Qt.Key_Enter)
            compare(nameField.text, name)
        }

        // "Choose…" opens a save dialog; the file chosen fills the path, and Export writes there.
        function test_trafficExportsToAFileChosenInTheDialog() {
            traffic.visible = true
            adminClient.traffic.clear()
            for (let i = 0; i < 3; ++i)
                root.feed("admin:traffic", { t: Date.now(), dir: "in", route: "/chat", event: "chat:send", size: 10, payload: { n: i } })
            tryCompare(traffic, "shown", 3)
            const field = findChild(traffic, "trafficExport")
            const dialog = field.dialog
            compare(dialog.visible, false)
            // The dialog opens where the typed path points, that file selected.
            findChild(traffic, "trafficExportPath").text = testFiles.folder + "/before.jsonl"
            mouseClick(findChild(traffic, "trafficExportChoose"))
            tryCompare(dialog, "visible", true)
            compare(dialog.fileMode, FileDialog.SaveFile)
            compare(dialog.currentFolder.toString(), root.fileUrl(testFiles.folder))
            compare(dialog.selectedFile.toString(), root.fileUrl(testFiles.folder + "/before.jsonl"))
            verify(dialog.nameFilters[0].indexOf("*.jsonl") >= 0)
            // A name typed in the dialog, without a suffix (.jsonl is added), and accepted.
            typeFileName("shown")
            dialog.accept()
            tryCompare(dialog, "visible", false)
            waitForPopupsClosed()
            const path = testFiles.folder + "/shown.jsonl"
            compare(findChild(traffic, "trafficExportPath").text, path)
            mouseClick(findChild(traffic, "trafficExportButton"))
            compare(findChild(traffic, "trafficExportResult").text, "3 lines written to " + path)
            const lines = testFiles.read(path).trim().split("\n")
            compare(lines.length, 3)
            compare(JSON.parse(lines[2]).payload.n, 2)
            // A path typed by hand still works, and one that cannot be written says so.
            findChild(traffic, "trafficExportPath").text = testFiles.folder + "/no-such-folder/x.jsonl"
            mouseClick(findChild(traffic, "trafficExportButton"))
            compare(findChild(traffic, "trafficExportResult").text, "cannot write " + testFiles.folder + "/no-such-folder/x.jsonl")
            adminClient.traffic.clear()
            traffic.visible = false
        }

        // The templates file is written and read: "Choose…" asks which, then opens a save dialog
        // (export) or an open dialog (import).
        function test_playgroundTemplatesThroughTheFileDialog() {
            playground.visible = true
            playgroundObject.saveTemplate("greeting", '{"event": "chat:send", "room": "lobby", "payload": {"text": "hi"}}')
            const field = findChild(playground, "templatesFile")
            const dialog = field.dialog

            mouseClick(findChild(playground, "templatesFileChoose"))
            const forSaving = findChild(playground, "templatesFileForSaving")
            tryVerify(() => forSaving.visible)
            mouseClick(forSaving)
            tryCompare(dialog, "visible", true)
            compare(dialog.fileMode, FileDialog.SaveFile)
            dialog.currentFolder = root.fileUrl(testFiles.folder) // where the user goes
            typeFileName("templates")
            dialog.accept()
            tryCompare(dialog, "visible", false)
            waitForPopupsClosed()
            const path = testFiles.folder + "/templates.json"
            compare(findChild(playground, "templatesFilePath").text, path)
            mouseClick(findChild(playground, "templatesExport"))
            compare(findChild(playground, "templatesStatus").text, "exported to " + path)
            const exported = JSON.parse(testFiles.read(path))
            compare(exported.cortadoTemplates, 1)
            verify(exported.templates.some(t => t.name === "greeting"))

            // Read back through an open dialog, from a path field that was cleared.
            findChild(playground, "templatesFilePath").text = ""
            mouseClick(findChild(playground, "templatesFileChoose"))
            const forOpening = findChild(playground, "templatesFileForOpening")
            tryVerify(() => forOpening.visible)
            mouseClick(forOpening)
            tryCompare(dialog, "visible", true)
            compare(dialog.fileMode, FileDialog.OpenFile)
            dialog.currentFolder = root.fileUrl(testFiles.folder)
            // The folder lists templates.json only (the *.json filter hides shown.jsonl): click it.
            // Looked up again at each try: the listing of the folder the dialog opened in comes first,
            // and its delegates are replaced when the folder changes.
            let listed = null
            tryVerify(() => {
                listed = findChild(root.Overlay.overlay, "fileDialogDelegate0")
                return listed !== null && listed.file !== undefined && listed.file.toString() === root.fileUrl(path)
            })
            verify(findChild(root.Overlay.overlay, "fileDialogDelegate1") === null)
            mouseClick(listed)
            dialog.accept()
            tryCompare(dialog, "visible", false)
            waitForPopupsClosed()
            compare(findChild(playground, "templatesFilePath").text, path)
            mouseClick(findChild(playground, "templatesImport"))
            compare(findChild(playground, "templatesStatus").text, "imported from " + path)
            playground.visible = false
        }

        // Colours that carry meaning come from the style and read in the light and the dark theme.
        function test_warningColoursReadInBothThemes() {
            const banner = findChild(nodes, "degradedBanner")
            const bannerText = findChild(nodes, "degradedText")
            const partial = findChild(sockets, "socketsPartial")
            for (const theme of [Material.Light, Material.Dark]) {
                root.Material.theme = theme
                verify(root.contrast(bannerText.color, banner.color) >= 3,
                       "banner text on its red, theme " + theme + ": " + root.contrast(bannerText.color, banner.color))
                verify(root.contrast(partial.color, root.Material.background) >= 3,
                       "the sockets page's warning, theme " + theme + ": " + root.contrast(partial.color, root.Material.background))
            }
            root.Material.theme = Material.Light
        }

        // More rooms than a page, from a real server: scrolling to the end of the list asks for a
        // longer page, up to the server's 500 rows; beyond that, Next moves the window on.
        function test_roomsScrollingLoadsMoreFromARealServer() {
            verify(liveServer.start(600))
            const admin = liveServer.admin
            tryCompare(admin, "state", 2, 10000) // connected, the snapshot in
            liveRooms.visible = true
            liveRooms.query(0)
            tryCompare(admin, "roomsMatched", 600, 5000)
            tryCompare(admin.rooms, "count", 100, 5000)
            const label = findChild(liveRooms, "roomsPageLabel")
            compare(label.text, "1–100 of 600 matching (600 rooms)")
            const list = findChild(liveRooms, "roomsList")
            for (let limit = 200; limit <= 500; limit += 100) {
                list.positionViewAtEnd()
                compare(liveRooms.shownLimit, limit)
                tryCompare(admin.rooms, "count", limit, 5000)
            }
            compare(label.text, "1–500 of 600 matching (600 rooms)")
            compare(admin.rooms.at(0).room, "room-000") // sorted by room, as the server pages them
            compare(admin.rooms.at(499).room, "room-499")
            // At the server's bound: scrolling asks for nothing more.
            list.positionViewAtEnd()
            compare(liveRooms.shownLimit, 500)
            const next = findChild(liveRooms, "roomsNext")
            compare(next.enabled, true)
            mouseClick(next)
            tryCompare(admin, "roomsOffset", 500, 5000)
            tryCompare(admin.rooms, "count", 100, 5000)
            compare(liveRooms.shownLimit, 100)
            compare(label.text, "501–600 of 600 matching (600 rooms)")
            compare(admin.rooms.at(0).room, "room-500")
            compare(next.enabled, false)
            // Previous goes back a page, one page long.
            mouseClick(findChild(liveRooms, "roomsPrevious"))
            tryCompare(admin, "roomsOffset", 400, 5000)
            compare(admin.rooms.count, 100)
            liveRooms.visible = false
        }
    }
}
