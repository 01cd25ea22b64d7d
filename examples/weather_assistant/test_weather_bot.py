"""Testing function calling: fakeai plays the model, the bot's own code plays itself."""

import json

import pytest

import weather_bot


def test_the_bot_answers_with_what_its_function_returned(fake_openai):
    assistant = weather_bot.create_assistant()
    fake_openai.script.call_function("get_weather", {"city": "Paris"}, assistant_id=assistant).then_respond(
        lambda turn: "It is {temperature_c} C and {sky} in {city}.".format(
            **json.loads(next(iter(turn.tool_outputs.values())))))

    assert weather_bot.ask(assistant, "What's the weather in Paris?") == "It is 21 C and sunny in Paris."



def test_a_failed_run_is_reported(fake_openai):
    assistant = weather_bot.create_assistant()
    fake_openai.script.fail("rate_limit_exceeded", "Rate limit reached.", assistant_id=assistant)

    with pytest.raises(RuntimeError, match="failed"):
        weather_bot.ask(assistant, "Weather in Oslo?")


# With function tools and nothing scripted, fakeai replies by default and warns (FakeaiWarning) that the
# test most likely meant to script a call; here the default reply is what is being shown.
@pytest.mark.filterwarnings("ignore::fakeai.FakeaiWarning")
def test_the_default_reply_needs_no_script(fake_openai):
    assistant = weather_bot.create_assistant()

    assert weather_bot.ask(assistant, "Hello?") == "This is fakeai's default reply to: Hello?"
