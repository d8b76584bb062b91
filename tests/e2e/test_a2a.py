"""A2A against a real server with the official ``a2a-sdk`` client: card discovery, questions and goals
answered over both bindings (HTTP+JSON and JSON-RPC), tasks read back and listed as the agent's messages."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from a2a.client import A2ACardResolver, A2AClientError, ClientConfig, create_client
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    Task,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a.utils.errors import InvalidParamsError, TaskNotCancelableError

from tests.e2e.receiver import receiver
from tests.e2e.server import ServerProcess, running_server

pytestmark = pytest.mark.e2e
SELLER = (
    'price(apple, 3).\n@restock[skill("restocking")] +!restock(N) <- +stock(N).\n'
    "+!slow(N) <- .wait(1500); +slept(N).\n+!nap(N) <- .wait(3000); +napped(N).\n"
    "+!doze(N) <- .wait(60000); +dozed(N).\n"
)


def message(text: str, number: int) -> SendMessageRequest:
    return SendMessageRequest(message=Message(message_id=f"m{number}", role=Role.ROLE_USER, parts=[Part(text=text)]))


async def send(client: object, request: SendMessageRequest) -> Task:
    answers = [answer async for answer in client.send_message(request)]  # type: ignore[attr-defined]
    assert answers and answers[-1].HasField("task")
    task: Task = answers[-1].task
    return task


async def scenario(url: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        seller = {"code": SELLER, "description": "sells apples", "metadata": {"a2a": {"enabled": True}}}
        assert (await http.put(f"{url}/agents/seller", json=seller)).status_code == 201
        assert (await http.put(f"{url}/agents/quiet", json={"code": ""})).status_code == 201
        index = (await http.get(f"{url}/.well-known/agent-card.json")).json()
        assert [skill["id"] for skill in index["skills"]] == ["seller"]
        assert (await http.get(f"{url}/agents/quiet/.well-known/agent-card.json")).status_code == 404

        for number, binding in enumerate(("HTTP+JSON", "JSONRPC")):
            config = ClientConfig(streaming=False, httpx_client=http, supported_protocol_bindings=[binding])
            card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
            assert card.name == "seller" and [s.id for s in card.skills] == ["restocking"]
            client = await create_client(card, config)

            asked = await send(client, message("price(apple, P)", 10 * number))
            assert asked.status.state == TaskState.TASK_STATE_COMPLETED
            assert asked.artifacts[0].parts[0].text == "price(apple,3)"
            mirrored = (await http.get(f"{url}/agents/seller/inbox/{asked.id}")).json()
            assert mirrored["performative"] == "askOne" and mirrored["status"] == "processed"

            goal = await send(client, message(f"restock({5 + number})", 10 * number + 1))
            assert goal.status.state == TaskState.TASK_STATE_COMPLETED
            beliefs = [b["text"] for b in (await http.get(f"{url}/agents/seller/mind")).json()["beliefs"]]
            assert f"stock({5 + number})[source(self)]" in beliefs

            refused = await send(client, message("not a term ((", 10 * number + 2))
            assert refused.status.state == TaskState.TASK_STATE_REJECTED

            again = await client.get_task(GetTaskRequest(id=asked.id))
            assert again.id == asked.id and again.status.state == TaskState.TASK_STATE_COMPLETED
            listed = await client.list_tasks(ListTasksRequest(page_size=50))
            assert {asked.id, goal.id} <= {t.id for t in listed.tasks}
            with pytest.raises((A2AClientError, TaskNotCancelableError)):
                await client.cancel_task(CancelTaskRequest(id=asked.id))
            await client.close()

        for number, binding in enumerate(("HTTP+JSON", "JSONRPC")):
            config = ClientConfig(streaming=True, httpx_client=http, supported_protocol_bindings=[binding])
            card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
            client = await create_client(card, config)
            events = [e async for e in client.send_message(message(f"slow({number})", 100 + number))]
            assert events[0].HasField("task")
            assert events[0].task.status.state == TaskState.TASK_STATE_WORKING
            assert events[-1].HasField("status_update")
            assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
            beliefs = [b["text"] for b in (await http.get(f"{url}/agents/seller/mind")).json()["beliefs"]]
            assert f"slept({number})[source(self)]" in beliefs
            await client.close()


def test_a2a_sdk_client_talks_to_a_romas_agent(server: ServerProcess) -> None:
    asyncio.run(scenario(server.url))


async def cancels(url: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        seller = {"code": SELLER, "metadata": {"a2a": {"enabled": True}}}
        assert (await http.put(f"{url}/agents/seller", json=seller)).status_code == 201
        for number, binding in enumerate(("HTTP+JSON", "JSONRPC")):
            config = ClientConfig(
                streaming=False, polling=True, httpx_client=http, supported_protocol_bindings=[binding]
            )
            card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
            client = await create_client(card, config)
            # a minute's doze: however slow a loaded machine makes the cancel, it arrives while the doze runs
            task = await send(client, message(f"doze({number})", 200 + number))
            assert task.status.state == TaskState.TASK_STATE_WORKING
            canceled = await client.cancel_task(CancelTaskRequest(id=task.id))
            assert canceled.id == task.id and canceled.status.state == TaskState.TASK_STATE_CANCELED
            again = await client.get_task(GetTaskRequest(id=task.id))
            assert again.status.state == TaskState.TASK_STATE_CANCELED
            with pytest.raises((A2AClientError, TaskNotCancelableError)):
                await client.cancel_task(CancelTaskRequest(id=task.id))
            await client.close()
            inbox = f"{url}/agents/seller/inbox/{task.id}"
            mirrored = (await http.get(inbox)).json()
            assert mirrored["status"] == "cancelled" and "A2A" in mirrored["error"]["detail"]
            history = (await http.get(f"{url}/events", params={"stream": f"/agents/seller/inbox/{task.id}"})).json()
            kinds = [e["type"] for e in history["_embedded"]["events"]]
            assert kinds[0] == "message.accepted" and kinds[-1] == "message.cancelled"  # delivered or not yet
        mind = (await http.get(f"{url}/agents/seller/mind")).json()
        assert mind["intentions"] == [], mind["intentions"]  # the dozing intentions were dropped, not left to end
        assert not any(b["text"].startswith("dozed(") for b in mind["beliefs"]), mind["beliefs"]


def test_a_task_is_canceled_with_what_it_started(server: ServerProcess) -> None:
    asyncio.run(cancels(server.url))


async def start_long_task(url: str) -> str:
    async with httpx.AsyncClient(timeout=60) as http:
        seller = {"code": SELLER, "metadata": {"a2a": {"enabled": True}}}
        assert (await http.put(f"{url}/agents/seller", json=seller)).status_code == 201
        card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
        client = await create_client(card, ClientConfig(streaming=False, polling=True, httpx_client=http))
        task = await send(client, message("slow(7)", 1))
        assert task.status.state == TaskState.TASK_STATE_WORKING
        await client.close()
        return task.id


async def finish_long_task(url: str, task_id: str) -> Task:
    async with httpx.AsyncClient(timeout=60) as http:
        card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
        client = await create_client(card, ClientConfig(streaming=False, httpx_client=http))
        for _ in range(600):
            task = await client.get_task(GetTaskRequest(id=task_id))
            if task.status.state != TaskState.TASK_STATE_WORKING:
                break
            await asyncio.sleep(0.1)
        await client.close()
        return task


def test_a_task_survives_a_restart_in_its_middle(database_url: str, tmp_path: Path) -> None:
    with running_server(database_url, tmp_path) as first:
        task_id = asyncio.run(start_long_task(first.url))
        first.process.kill()  # kill -9 while the agent waits inside the task's plan
        first.process.wait()
    with running_server(database_url, tmp_path) as second:
        task = asyncio.run(finish_long_task(second.url, task_id))
        assert task.status.state == TaskState.TASK_STATE_COMPLETED
        assert task.id == task_id


async def pushes(url: str, target: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        seller = {"code": SELLER, "metadata": {"a2a": {"enabled": True}}}
        assert (await http.put(f"{url}/agents/seller", json=seller)).status_code == 201
        card = await A2ACardResolver(http, f"{url}/agents/seller").get_agent_card()
        assert card.capabilities.push_notifications
        client = await create_client(card, ClientConfig(streaming=False, polling=True, httpx_client=http))
        request = message("nap(1)", 1)
        request.configuration.task_push_notification_config.CopyFrom(
            TaskPushNotificationConfig(url=f"{target}/push/first", token="first-token")
        )
        first = await send(client, request)
        second = await send(client, message("nap(2)", 2))
        config = await client.create_task_push_notification_config(
            TaskPushNotificationConfig(task_id=second.id, id="mine", url=f"{target}/push/second", token="t2")
        )
        assert config.id == "mine" and config.task_id == second.id
        listed = await client.list_task_push_notification_configs(
            ListTaskPushNotificationConfigsRequest(task_id=second.id)
        )
        assert [c.id for c in listed.configs] == ["mine"]
        with pytest.raises((A2AClientError, InvalidParamsError)):
            await client.create_task_push_notification_config(
                TaskPushNotificationConfig(task_id=second.id, url="http://10.9.8.7/push")
            )
        await client.close()
        assert first.id != second.id


def test_push_notifications_reach_a_local_receiver(database_url: str, tmp_path: Path) -> None:
    with (
        receiver() as target,
        running_server(database_url, tmp_path, env={"ROMAS_EGRESS_ALLOW": "127.0.0.1"}) as server,
    ):
        asyncio.run(pushes(server.url, target.url))

        def completed(path: str) -> list[dict[str, object]]:
            found = []
            for got in target.snapshot():
                body = json.loads(got.body)
                state = body["statusUpdate"]["status"]["state"]
                if got.path == path and state == "TASK_STATE_COMPLETED":
                    found.append(got.headers)
            return found

        deadline = time.monotonic() + 120
        while not (completed("/push/first") and completed("/push/second")):
            assert time.monotonic() < deadline, "no push notification arrived"
            time.sleep(0.2)
        assert completed("/push/first")[0]["x-a2a-notification-token"] == "first-token"
        assert completed("/push/second")[0]["x-a2a-notification-token"] == "t2"
