"""run() decorated with inference-schema: the server parses the JSON body and passes
`data` as a Python list; GET /swagger.json describes the input and output."""

from inference_schema.parameter_types.standard_py_parameter_type import (
    StandardPythonParameterType,
)
from inference_schema.schema_decorators import input_schema, output_schema

input_sample = StandardPythonParameterType([1.0, 2.0, 3.0])
output_sample = StandardPythonParameterType({"total": 6.0, "count": 3})


def init():
    pass


@input_schema("data", input_sample)
@output_schema(output_sample)
def run(data):
    return {"total": float(sum(data)), "count": len(data)}
