"""The watchlist routes: the company boards a key keeps, which a search reads by naming the source `watchlist`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from jobmatch.api.routes import KeyDep, ServiceDep, _problems, require_json
from jobmatch.api.schemas import BoardRequest, BoardView, Watchlist

boards = APIRouter(prefix="/v1", tags=["watchlist"])


@boards.get("/boards", responses=_problems(401))
def list_boards(key: KeyDep, service: ServiceDep) -> Watchlist:
    """This key's watchlist, in the order the boards were added."""
    return service.watchlist(key)


@boards.post(
    "/boards",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_json)],
    responses={
        **_problems(400, 401, 413, 415, 422),
        200: {"model": BoardView, "description": "The board was on the watchlist already."},
    },
)
def add_board(body: BoardRequest, key: KeyDep, service: ServiceDep, response: Response) -> BoardView:
    """Put a company board on this key's watchlist (201; 200 when it was there already)."""
    board, added = service.watch_board(key, body.source)
    if not added:
        response.status_code = status.HTTP_200_OK
    return board


@boards.delete("/boards/{source}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404, 422))
def remove_board(
    source: Annotated[str, Path(max_length=200, description="The board's source name, e.g. greenhouse:stripe.")],
    key: KeyDep,
    service: ServiceDep,
) -> Response:
    """Take a board off this key's watchlist."""
    service.unwatch_board(key, source)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
