"""ASGI entry point for uvicorn workers: ``onramp.asgi:app``.

Room websockets go straight to their own handler (see ``portal/web/room_socket.py``);
everything else to the Litestar app.
"""

from onramp.app import create_app
from portal.web.room_socket import RoomSocketFrontDoor

app = RoomSocketFrontDoor(create_app())
