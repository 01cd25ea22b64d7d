"""Code under test: an assistant that answers weather questions by calling a local function."""

import json

import openai

client = openai.OpenAI()

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city: str) -> dict:
    """The real implementation would call a weather service."""
    return {"city": city, "temperature_c": 21, "sky": "sunny"}


def create_assistant() -> str:
    return client.beta.assistants.create(
        model="gpt-4o", name="Weather bot", instructions="Answer with the current weather.",
        tools=[WEATHER_TOOL]).id


def ask(assistant_id: str, question: str) -> str:
    thread = client.beta.threads.create(messages=[{"role": "user", "content": question}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant_id)
    while run.status == "requires_action":
        outputs = [{"tool_call_id": call.id, "output": json.dumps(get_weather(**json.loads(call.function.arguments)))}
                   for call in run.required_action.submit_tool_outputs.tool_calls]
        run = client.beta.threads.runs.submit_tool_outputs_and_poll(
            thread_id=thread.id, run_id=run.id, tool_outputs=outputs)
    if run.status != "completed":
        raise RuntimeError(f"the run ended {run.status}: {run.last_error}")
    [reply] = client.beta.threads.messages.list(thread.id, run_id=run.id)
    return reply.content[0].text.value
