from apps.core.errors import Conflict, DomainError


class FriendRequestToSelf(DomainError):
    status_code = 400
    code = "cannot_befriend_self"
    default_detail = "You cannot send a friend request to yourself."


class BlockSelf(DomainError):
    status_code = 400
    code = "cannot_block_self"
    default_detail = "You cannot block yourself."


class AlreadyFriends(Conflict):
    code = "already_friends"
    default_detail = "You are already friends."


class RequestPending(Conflict):
    code = "request_pending"
    default_detail = "You already sent this player a friend request that is still pending."


class UserBlocked(Conflict):
    code = "blocked"
    default_detail = "One of you has blocked the other."


class RequestNotPending(Conflict):
    code = "request_not_pending"
    default_detail = "This friend request was already accepted, declined or cancelled."
