"""The LLM diagnostician: the real LangChain agent loop, with the model faked only at the
network edge (a LangChain fake chat model, or a local server speaking the OpenAI
chat-completions protocol to the real OpenAI client)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_openai import ChatOpenAI

from fixline.agent.diagnosis import CaseFacts, Equipment
from fixline.agent.llm import LLMDiagnostician
from fixline.knowledge.codes import CodeBook

ANSWER = {
    "causes": [{"title": "Blocked drain filter", "likelihood": 0.6, "steps": ["Clean the filter."],
                "sources": ["code:bosch:E24"]}],
    "confidence": 0.7,
    "follow_up": None,
    "safety_warnings": [],
}
FACTS = CaseFacts(Equipment(category="dishwasher", make="Bosch"),
                  symptoms=("E24 and water in the bottom, call me on +44 7700 900123 or jo@example.com",),
                  codes=("E24",))


class ToolCallingFake(GenericFakeChatModel):
    """LangChain's fake chat model, able to stand where a tool-calling model is bound."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingFake:  # type: ignore[override]
        return self


def tool_call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


@pytest.fixture
async def llm_parts(db, offline, hybrid_search):  # type: ignore[no-untyped-def]
    return hybrid_search, CodeBook(db), offline


async def test_agent_loop_uses_the_tools_and_returns_a_validated_diagnosis(llm_parts):
    search, codes, offline = llm_parts
    model = ToolCallingFake(messages=iter([
        tool_call("lookup_code", {"code": "E24", "brand": "Bosch", "equipment_category": "dishwasher"}, "c1"),
        tool_call("DiagnosisOut", ANSWER, "c2"),
    ]))
    llm = LLMDiagnostician(model, search, codes, offline, model_name="fake")
    seen: list[str] = []
    original = llm._agent.ainvoke

    async def spy(state, *args, **kwargs):  # records what the tools answered
        result = await original(state, *args, **kwargs)
        seen.extend(m.content for m in result["messages"] if isinstance(m, ToolMessage))
        return result

    llm._agent.ainvoke = spy  # type: ignore[method-assign]
    diagnosis = await llm.diagnose(FACTS)
    assert diagnosis.model == "fake" and diagnosis.causes[0].title == "Blocked drain filter"
    assert diagnosis.confidence == 0.7 and not diagnosis.notes
    assert any('"code": "E24"' in content and "Bosch" in content for content in seen)


async def test_a_plain_text_answer_falls_back_to_the_offline_diagnostician(llm_parts):
    search, codes, offline = llm_parts
    model = ToolCallingFake(messages=iter([AIMessage(content="It is probably the pump, good luck!")]))
    diagnosis = await LLMDiagnostician(model, search, codes, offline).diagnose(FACTS)
    assert diagnosis.model.startswith("offline") and diagnosis.causes
    assert diagnosis.notes[-1] == "llm_fallback:MalformedAnswer"


async def test_an_out_of_range_answer_falls_back(llm_parts):
    search, codes, offline = llm_parts
    bad = {**ANSWER, "confidence": 7}
    model = ToolCallingFake(messages=iter([tool_call("DiagnosisOut", bad, "c1"),
                                           tool_call("DiagnosisOut", bad, "c2"),
                                           AIMessage(content="sorry")]))
    diagnosis = await LLMDiagnostician(model, search, codes, offline).diagnose(FACTS)
    assert diagnosis.model.startswith("offline")
    assert diagnosis.notes[-1].startswith("llm_fallback:")


class ChatCompletions(BaseHTTPRequestHandler):
    """Speaks just enough of the chat-completions protocol; records every request."""

    replies: list[tuple[int, dict[str, Any]]] = []
    requests: list[tuple[dict[str, str], dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status, payload = type(self).replies.pop(0) if type(self).replies else (500, {"error": "none"})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def completion(name: str, args: dict[str, Any], call_id: str) -> tuple[int, dict[str, Any]]:
    return 200, {
        "id": f"chatcmpl-{call_id}", "object": "chat.completion", "created": 0, "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None,
            "tool_calls": [{"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": json.dumps(args)}}]}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


@pytest.fixture
def openai_server() -> Iterator[str]:
    ChatCompletions.replies, ChatCompletions.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def chat_model(base_url: str) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-test", base_url=base_url, api_key="sk-test", max_retries=2,
                      timeout=10, temperature=0)


async def test_real_openai_client_against_a_local_server(llm_parts, openai_server):
    search, codes, offline = llm_parts
    ChatCompletions.replies = [
        (500, {"error": {"message": "overloaded"}}),  # the client retries this
        completion("lookup_code", {"code": "E24", "brand": "Bosch"}, "call_1"),
        completion("DiagnosisOut", ANSWER, "call_2"),
    ]
    llm = LLMDiagnostician(chat_model(openai_server), search, codes, offline, model_name="gpt-test")
    diagnosis = await llm.diagnose(FACTS)
    assert diagnosis.model == "gpt-test" and diagnosis.tokens == 240
    headers, first = ChatCompletions.requests[1]
    assert headers["authorization"] == "Bearer sk-test"
    names = {t["function"]["name"] for t in first["tools"]}
    assert {"search_knowledge", "lookup_code", "decode_vin", "ask_customer", "DiagnosisOut"} <= names
    sent = json.dumps(first["messages"])
    assert "E24" in sent and "7700" not in sent and "jo@example.com" not in sent  # redacted
    _, second = ChatCompletions.requests[2]
    tool_reply = next(m for m in second["messages"] if m["role"] == "tool")["content"]
    assert "E24" in tool_reply  # the real code book answered the model's tool call


async def test_provider_down_falls_back_and_says_so(llm_parts, openai_server):
    search, codes, offline = llm_parts
    llm = LLMDiagnostician(chat_model(openai_server), search, codes, offline)
    diagnosis = await llm.diagnose(FACTS)
    assert diagnosis.model.startswith("offline") and diagnosis.causes
    assert diagnosis.notes[-1].startswith("llm_fallback:") and "APIError" in diagnosis.notes[-1]
    assert len(ChatCompletions.requests) == 3  # one try and two retries
