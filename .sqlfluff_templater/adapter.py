"""Stand-in for dbt's `adapter` in sqlfluff: a dispatched macro renders as a plain function call."""


def dispatch(macro_name, macro_namespace=None):
    def render(*arguments, **keyword_arguments):
        values = [str(argument) for argument in arguments] + [str(value) for value in keyword_arguments.values()]
        return f"{macro_name}({', '.join(values)})"

    return render
