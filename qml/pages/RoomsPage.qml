import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Cortado.Console
import "../components"

RowLayout {
    id: page
    required property var admin
    property int selectedRow: -1
    // The room shown on the right (its members, presence, history and traffic), chosen in the list.
    property string selectedRoute: ""
    property string selectedRoom: ""
    property var detail: admin.roomDetail
    readonly property alias shownLimit: pager.shownLimit
    spacing: 12

    function query(offset) { pager.query(offset) }
    Timer { id: typing; interval: 300; onTriggered: page.query(0) }

    function selectFirst() {
        const first = admin.rooms.at(0)
        if (first.room) {
            selectedRow = 0
            select(first.route, first.room)
        }
    }
    function select(route, room) {
        selectedRoute = route
        selectedRoom = room
        admin.roomInfo(route, room)
        admin.loadHistory(route, room)
    }
    // Members and presence change under the page: asked again every 2 s while it is shown.
    Timer {
        interval: 2000
        repeat: true
        running: page.visible && page.selectedRoom !== "" && page.admin.state === 2
        onTriggered: page.admin.roomInfo(page.selectedRoute, page.selectedRoom)
    }

  ColumnLayout {
    Layout.fillWidth: true
    Layout.fillHeight: true
    // The list takes what the room panel leaves (its header rows must not push the panel away).
    Layout.preferredWidth: 200
    Layout.minimumWidth: 200
    clip: true
    spacing: 8

    RowLayout {
        TextField {
            id: roomFilter
            objectName: "roomsFilter"
            placeholderText: "Filter: route or room"
            Layout.preferredWidth: 240
            onTextChanged: typing.restart()
        }
        Label { text: "Sort by" }
        ComboBox {
            id: roomSort
            objectName: "roomsSortKey"
            model: ["room", "route", "members"]
            onActivated: page.query(0)
        }
    }
    // A page of rooms, filtered and sorted by the server (admin:query), refreshed by it (admin:page);
    // scrolling to the end of the list asks for more rows (../components/Pager.qml), up to 500.
    Pager {
        id: pager
        objectName: "rooms"
        noun: "rooms"
        offset: page.admin.roomsOffset
        count: page.admin.rooms.count
        matched: page.admin.roomsMatched
        total: page.admin.roomsTotal
        onWanted: (offset, limit) => page.admin.queryRooms({
            filter: { text: roomFilter.text }, sort: { key: roomSort.currentText }, offset: offset, limit: limit })
    }
    Label {
        objectName: "roomsPartial"
        visible: page.admin.roomsMissingNodes.length > 0
        text: "Partial: no answer from " + page.admin.roomsMissingNodes.join(", ")
        color: Material.color(Material.Amber)
        Layout.fillWidth: true
        wrapMode: Text.Wrap
    }
    TableHeader { columns: [["Route", 90], ["Room", 200], ["Members", 80], ["History", 80], ["Offset", 70], ["Presence", 500]] }
    ListView {
        id: list
        objectName: "roomsList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        model: page.admin.rooms
        onAtYEndChanged: if (atYEnd && count > 0) pager.showMore()
        delegate: ListRow {
            width: list.width
            height: 30
            highlighted: index === page.selectedRow
            onClicked: {
                page.selectedRow = index
                route.text = model.route
                room.text = model.room
                page.select(model.route, model.room)
            }
            contentItem: Row {
                Label { text: model.route; width: 90 }
                Label { text: model.room; width: 200; elide: Text.ElideRight }
                Label { text: model.members; width: 80 }
                Label { text: model.historyLength === undefined ? "–" : model.historyLength; width: 80 }
                Label { text: model.offset === undefined ? "–" : model.offset; width: 70 }
                Label { text: model.presenceText; width: 500; elide: Text.ElideRight }
            }
        }
    }
    Frame {
        Layout.fillWidth: true
        enabled: page.admin.role === "admin"
        // Two rows, so that the panel beside the list leaves room for every field and button.
        ColumnLayout {
            anchors.fill: parent
            RowLayout {
                Label { text: "Emit into" }
                TextField { id: route; placeholderText: "route"; text: "/chat"; Layout.preferredWidth: 90 }
                TextField { id: room; placeholderText: "room"; Layout.preferredWidth: 160 }
                TextField { id: event; text: "ops:notice"; Layout.preferredWidth: 120 }
            }
            RowLayout {
                Button { text: "Emit to room"; onClicked: page.admin.emitEvent("room", route.text, room.text, "", event.text, payload.text) }
                Button { text: "Everyone"; onClicked: page.admin.emitEvent("everyone", "", "", "", event.text, payload.text) }
                TextField { id: payload; text: "{\"text\": \"maintenance in 5 minutes\"}"; Layout.fillWidth: true }
            }
        }
    }
  }

    Frame {
        objectName: "roomDetail"
        Layout.preferredWidth: 440
        Layout.minimumWidth: 440
        Layout.fillHeight: true
        visible: page.selectedRoom !== ""
        ColumnLayout {
            anchors.fill: parent
            Label {
                objectName: "roomTitle"
                text: "Room " + page.selectedRoom + " on " + page.selectedRoute
                      + (page.detail.membersTotal !== undefined ? " — " + page.detail.membersTotal + " members" : "")
                font.bold: true
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
            // In a cluster, nodes that did not answer in time are missing from the figures below.
            Label {
                objectName: "roomPartial"
                readonly property var missing: [...new Set((page.detail.missingNodes || []).concat(page.admin.historyMissingNodes))]
                visible: missing.length > 0
                text: "Partial: no answer from " + missing.join(", ")
                color: Material.color(Material.Amber)
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Label { text: "Members"; opacity: 0.7 }
            ListView {
                id: members
                objectName: "roomMembers"
                Layout.fillWidth: true
                Layout.preferredHeight: 150
                clip: true
                ScrollBar.vertical: ScrollBar {}
                model: page.detail.members || []
                delegate: RowLayout {
                    width: members.width - 12 // the scroll bar's room
                    Label {
                        text: (modelData.user ? modelData.user.name || modelData.user.id : "guest") + "  " + modelData.socket
                              + (modelData.node ? "  @" + modelData.node : "")
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    Button {
                        text: "Leave"
                        flat: true // one per member: compact rows
                        topInset: 0
                        bottomInset: 0
                        implicitHeight: 30
                        enabled: page.admin.role === "admin"
                        onClicked: page.admin.leaveRoom(modelData.socket, page.selectedRoom)
                    }
                }
            }
            Label {
                visible: page.detail.membersTruncated === true
                text: "first 500 members only"
                opacity: 0.7
            }
            Label { text: "Presence"; opacity: 0.7 }
            ListView {
                id: presence
                objectName: "roomPresence"
                Layout.fillWidth: true
                Layout.preferredHeight: 70
                clip: true
                model: page.detail.presence || []
                delegate: Label {
                    width: presence.width
                    elide: Text.ElideRight
                    text: (modelData.name || modelData.id) + " — " + (modelData.status || "online")
                          + ", since " + Qt.formatTime(new Date(modelData.since), "HH:mm:ss")
                          + (modelData.connections > 1 ? ", " + modelData.connections + " tabs" : "")
                          + (modelData.guest ? ", guest" : "")
                }
            }
            RowLayout {
                Label {
                    objectName: "historyLabel"
                    text: "History: " + page.admin.history.count + " shown"
                          + (page.detail.historyLength !== undefined ? " of " + page.detail.historyLength + " kept, newest offset " + page.detail.offset : "")
                    opacity: 0.7
                    elide: Text.ElideRight
                    Layout.fillWidth: true
                }
                Button {
                    objectName: "historyNewest"
                    text: "Newest"
                    onClicked: page.admin.loadHistory(page.selectedRoute, page.selectedRoom)
                }
                Button {
                    objectName: "historyOlder"
                    text: "Older"
                    enabled: page.admin.historyHasOlder
                    onClicked: page.admin.loadOlderHistory()
                }
            }
            ListView {
                id: history
                objectName: "roomHistory"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: page.admin.history
                delegate: Label {
                    width: history.width
                    elide: Text.ElideRight
                    text: "#" + model.offset + "  " + Qt.formatTime(model.time, "HH:mm:ss") + "  " + model.event + "  " + model.payload
                }
            }
            Label { text: "Traffic in this room (" + roomTraffic.count + ")"; opacity: 0.7 }
            TrafficFilter { id: roomTrafficFilter; sourceModel: page.admin.traffic; route: page.selectedRoute; room: page.selectedRoom || "-" }
            ListView {
                id: roomTraffic
                objectName: "roomTraffic"
                Layout.fillWidth: true
                Layout.preferredHeight: 90
                clip: true
                model: roomTrafficFilter
                delegate: Label {
                    width: roomTraffic.width
                    elide: Text.ElideRight
                    text: model.time + " " + model.direction + " " + model.event + " " + model.payload
                }
            }
        }
    }
}
